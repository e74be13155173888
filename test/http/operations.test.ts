import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileTokenStore, tokenFilePath } from '../../src/adapters/auth/file-token-store.js';
import { issueToken } from '../../src/adapters/auth/issue-token.js';
import { openApp } from '../../src/app/compose.js';
import { isFinalTaskStatus } from '../../src/core/records.js';
import { assertBindAllowed, startServer } from '../../src/http/listen.js';
import { openSse } from './sse-client.js';
import { postJson, startTestServer, type TestServer } from './test-server.js';

describe('rate limit', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ store: 'memory', server: { rateLimit: { burst: 3, perSecond: 0.5 } } });
  });
  afterAll(() => server.close());

  it('answers 429 with retry-after once a token spends its burst, and only that token', async () => {
    for (let index = 0; index < 3; index++) expect((await server.call('/tasks')).status).toBe(200);
    const limited = await server.call('/tasks');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    expect((await server.call('/tasks', { token: server.tokens.bob })).status).toBe(200);
    expect((await server.call('/healthz', { token: null })).status).toBe(200);
  });
});

describe('health and metrics', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ store: 'memory' });
    const response = await postJson(server, '/tasks', { prompt: 'Pick a number. Then double it.' });
    await server.app.service.waitForTask(((await response.json()) as { id: string }).id);
  });
  afterAll(() => server.close());

  it('answers GET /healthz without a token', async () => {
    const response = await server.call('/healthz', { token: null });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', provider: 'simulated' });
  });

  it('exposes tasks, subtasks, provider calls, call latency and cost in Prometheus format', async () => {
    const response = await server.call('/metrics', { token: server.tokens.root });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^symbiont_tasks\{status="completed"\} 1$/m);
    expect(text).toMatch(/^symbiont_tasks\{status="executing"\} 0$/m);
    expect(text).toMatch(/^symbiont_subtasks\{status="completed"\} 2$/m);
    expect(text).toMatch(
      /^symbiont_provider_calls_total\{provider="simulated",model="[^"]+",kind="plan",success="true"\} 1$/m,
    );
    expect(text).toMatch(
      /^symbiont_provider_call_duration_seconds_bucket\{le="\+Inf",provider="simulated",kind="subtask"\} 2$/m,
    );
    expect(text).toMatch(
      /^symbiont_provider_cost_usd_total\{provider="simulated",model="[^"]+"\} [0-9.e-]+$/m,
    );
    expect(text).toMatch(/^symbiont_tasks_cost_usd [0-9.e-]+$/m);
    expect(text).toMatch(/^symbiont_http_requests_total\{method="POST",route="\/tasks",status="202"\} 1$/m);
  });

  it('writes request logs without tokens, prompts or query strings', async () => {
    await postJson(server, '/tasks', { prompt: 'A very particular prompt phrase.' });
    await server.call('/tasks?limit=3');
    const lines = server.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = lines.filter((line) => line.msg === 'request');
    expect(requests.length).toBeGreaterThan(2);
    expect(requests.at(-1)).toMatchObject({
      method: 'GET',
      path: '/tasks',
      route: '/tasks',
      status: 200,
      caller: 'alice',
    });
    const all = server.logs.join('');
    expect(all).not.toContain('particular prompt phrase');
    expect(all).not.toContain('limit=3');
    expect(all.toLowerCase()).not.toContain('authorization');
  });
});

describe('binding', () => {
  it('refuses any address but 127.0.0.1 without tokens, with a clear message', async () => {
    expect(() => assertBindAllowed('0.0.0.0', false)).toThrow(
      /refusing to listen on 0\.0\.0\.0 without API tokens/,
    );
    expect(() => assertBindAllowed('::', false)).toThrow(/token create/);
    expect(() => assertBindAllowed('0.0.0.0', true)).not.toThrow();
    expect(() => assertBindAllowed('127.0.0.1', false)).not.toThrow();
    const home = mkdtempSync(join(tmpdir(), 'symbiont-bind-'));
    const app = await openApp({ home, env: { SYMBIONT_HOME: home }, store: 'memory', provider: 'simulated' });
    try {
      await expect(
        startServer({
          backend: app,
          tokens: new FileTokenStore(tokenFilePath(home)),
          host: '0.0.0.0',
          port: 0,
          logger: false,
        }),
      ).rejects.toMatchObject({ code: 'CONFIG' });
    } finally {
      await app.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('graceful shutdown', () => {
  it('ends event streams, stops accepting work and leaves running tasks to resume at the next start', async () => {
    const home = mkdtempSync(join(tmpdir(), 'symbiont-shutdown-'));
    const tokens = new FileTokenStore(tokenFilePath(home));
    const { token } = await issueToken(tokens, { name: 'alice' });
    const logger = pino({ level: 'silent' });
    try {
      const app = await openApp({
        home,
        env: { SYMBIONT_HOME: home },
        provider: 'simulated',
        onWarning: () => {},
      });
      const running = await startServer({ backend: app, tokens, port: 0, logger, heartbeatMs: 100 });
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const submitted = await fetch(`${running.url}/tasks`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          plan: {
            subtasks: [
              { description: 'long [[sim latency=60000]]' },
              { description: 'short [[sim latency=10]]' },
            ],
          },
        }),
      });
      const { id } = (await submitted.json()) as { id: string };
      const stream = await openSse(`${running.url}/tasks/${id}/events`, { authorization: `Bearer ${token}` });
      const frames: string[] = [];
      const drained = (async () => {
        for await (const item of stream.items) if (item.kind === 'frame') frames.push(item.frame.event ?? '');
      })();

      await Promise.all([running.close(), app.service.close()]);
      await drained;
      expect(frames).not.toContain('task.finished');
      await expect(fetch(`${running.url}/healthz`)).rejects.toThrow();
      await app.close();

      const reopened = await openApp({
        home,
        env: { SYMBIONT_HOME: home },
        provider: 'simulated',
        simulatedLatencyScale: 0.001,
        onWarning: () => {},
      });
      const stored = await reopened.service.getTaskProgress(id);
      expect(stored && isFinalTaskStatus(stored.status)).toBe(false);
      const again = await startServer({ backend: reopened, tokens, port: 0, logger });
      expect(again.resumed).toContain(id);
      const final = await reopened.service.waitForTask(id);
      expect(final.status).toBe('completed');
      await again.close();
      await reopened.close();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
