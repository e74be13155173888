import { readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFilePath } from '../../src/adapters/auth/file-token-store.js';
import { issueToken } from '../../src/adapters/auth/issue-token.js';
import { ROUTES } from '../../src/http/routes.js';
import { postJson, startTestServer, type TestServer } from './test-server.js';

/** A request for every route of the table, with a made-up task id. */
function sampleRequests() {
  return ROUTES.map((route) => ({
    route,
    path: route.url.replace(':id', 'compound-00000000-0000-4000-8000-000000000000'),
    init:
      route.method === 'POST'
        ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }
        : {},
  }));
}

async function errorOf(response: Response) {
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(typeof body.error.code).toBe('string');
  expect(typeof body.error.message).toBe('string');
  return body.error;
}

describe('auth with tokens present', () => {
  let server: TestServer;
  let aliceTask: string;

  beforeAll(async () => {
    server = await startTestServer();
    const response = await postJson(server, '/tasks', { prompt: 'List three fruits. Then sort them.' });
    expect(response.status).toBe(202);
    aliceTask = ((await response.json()) as { id: string }).id;
    await server.app.service.waitForTask(aliceTask);
  });
  afterAll(() => server.close());

  it('answers 401 on every non-public route of the table without a token', async () => {
    const checked: string[] = [];
    for (const { route, path, init } of sampleRequests()) {
      if (route.auth === 'public') continue;
      const response = await server.call(path, { ...init, token: null });
      expect(response.status, `${route.method} ${route.url}`).toBe(401);
      expect((await errorOf(response)).code).toBe('UNAUTHORIZED');
      checked.push(route.url);
    }
    expect(checked.length).toBeGreaterThanOrEqual(ROUTES.length - 2);
  });

  it('answers 401 on every non-public route of the table with a bad token', async () => {
    const badTokens = [
      'symb_not-a-real-token',
      `${server.tokens.alice}x`,
      server.tokens.alice!.slice(0, -1),
      'garbage',
    ];
    for (const { route, path, init } of sampleRequests()) {
      if (route.auth === 'public') continue;
      for (const token of badTokens) {
        const response = await server.call(path, { ...init, token });
        expect(response.status, `${route.method} ${route.url} with ${token.slice(0, 8)}…`).toBe(401);
        await errorOf(response);
      }
      const malformed = await server.call(path, {
        ...init,
        token: null,
        headers: { authorization: 'Basic YTpi' },
      });
      expect(malformed.status).toBe(401);
    }
  });

  it('serves the public routes (health, dashboard) without a token', async () => {
    const publicRoutes = ROUTES.filter((route) => route.auth === 'public').map((route) => route.url);
    expect(publicRoutes.sort()).toEqual(['/', '/healthz']);
    expect((await server.call('/healthz', { token: null })).status).toBe(200);
    const page = await server.call('/', { token: null });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
  });

  it("answers 404 to another token's read, progress, events and cancel", async () => {
    const bob = server.tokens.bob!;
    for (const path of [`/tasks/${aliceTask}`, `/task/${aliceTask}/progress`, `/tasks/${aliceTask}/events`]) {
      const response = await server.call(path, { token: bob });
      expect(response.status, path).toBe(404);
      expect((await errorOf(response)).code).toBe('NOT_FOUND');
    }
    const cancel = await server.call(`/tasks/${aliceTask}/cancel`, { method: 'POST', token: bob });
    expect(cancel.status).toBe(404);
    const task = await server.app.service.getTaskProgress(aliceTask);
    expect(task?.status).toBe('completed');
  });

  it("leaves another token's tasks out of its list, and shows everything to an admin", async () => {
    const bobTask = await postJson(server, '/tasks', { prompt: 'Name a colour.' }, server.tokens.bob);
    const bobId = ((await bobTask.json()) as { id: string }).id;
    const ids = async (token: string) =>
      ((await (await server.call('/tasks?limit=200', { token })).json()) as { id: string }[]).map(
        (task) => task.id,
      );
    const aliceSees = await ids(server.tokens.alice!);
    const bobSees = await ids(server.tokens.bob!);
    const rootSees = await ids(server.tokens.root!);
    expect(aliceSees).toContain(aliceTask);
    expect(aliceSees).not.toContain(bobId);
    expect(bobSees).toEqual([bobId]);
    expect(rootSees).toEqual(expect.arrayContaining([aliceTask, bobId]));
    const rootRead = await server.call(`/tasks/${aliceTask}`, { token: server.tokens.root });
    expect(rootRead.status).toBe(200);
    expect(((await rootRead.json()) as { owner: string }).owner).toBe(await idOf('alice'));
  });

  const idOf = async (name: string) =>
    (await server.tokenStore.list()).find((record) => record.name === name)?.id;

  it("records the submitting token's id, which shows its name, as the owner", async () => {
    const record = (await (await server.call(`/tasks/${aliceTask}`)).json()) as { owner: string };
    expect(record.owner).toBe(await idOf('alice'));
    expect(record.owner).toMatch(/^alice@[0-9a-f]{16}$/);
  });

  it("gives a new token with a revoked token's name none of its tasks", async () => {
    const first = await issueToken(server.tokenStore, { name: 'erin' });
    const submitted = await postJson(server, '/tasks', { prompt: 'Name a tree.' }, first.token);
    const erinTask = ((await submitted.json()) as { id: string }).id;
    await server.app.service.waitForTask(erinTask);
    await server.tokenStore.remove('erin');
    const second = await issueToken(server.tokenStore, { name: 'erin' });
    expect(second.record.id).not.toBe(first.record.id);
    expect((await server.call(`/tasks/${erinTask}`, { token: second.token })).status).toBe(404);
    const listed = (await (await server.call('/tasks', { token: second.token })).json()) as { id: string }[];
    expect(listed).toEqual([]);
    const cancel = await server.call(`/tasks/${erinTask}/cancel`, { method: 'POST', token: second.token });
    expect(cancel.status).toBe(404);
  });

  it('opens /metrics to admin tokens only', async () => {
    expect((await server.call('/metrics', { token: null })).status).toBe(401);
    const denied = await server.call('/metrics', { token: server.tokens.alice });
    expect(denied.status).toBe(403);
    expect((await errorOf(denied)).code).toBe('FORBIDDEN');
    const allowed = await server.call('/metrics', { token: server.tokens.root });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('symbiont_tasks{');
  });

  it('keeps the ledger and cost routes for admin tokens', async () => {
    for (const path of ['/ledger/verify', '/costs?by=task']) {
      const denied = await server.call(path, { token: server.tokens.alice });
      expect(denied.status).toBe(403);
      expect((await errorOf(denied)).code).toBe('FORBIDDEN');
      const allowed = await server.call(path, { token: server.tokens.root });
      expect(allowed.status).toBe(200);
    }
  });

  it('accepts a token created while running and rejects a revoked one', async () => {
    const { token } = await issueToken(server.tokenStore, { name: 'carol' });
    expect((await server.call('/tasks', { token })).status).toBe(200);
    await server.tokenStore.remove('carol');
    expect((await server.call('/tasks', { token })).status).toBe(401);
  });

  it('stores only SHA-256 digests, in a file only the owner can read', () => {
    const path = tokenFilePath(server.home);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const text = readFileSync(path, 'utf8');
    for (const token of Object.values(server.tokens)) expect(text).not.toContain(token);
    expect(text).toMatch(/"sha256": "[0-9a-f]{64}"/);
  });
});

describe('local mode (no tokens)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ withTokens: false });
  });
  afterAll(() => server.close());

  it('serves the local user on 127.0.0.1 without a token, as owner null', async () => {
    expect(server.running.localMode).toBe(true);
    const response = await postJson(server, '/tasks', { prompt: 'Say hello.' }, null);
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    const record = (await (await server.call(`/tasks/${id}`, { token: null })).json()) as {
      owner: string | null;
    };
    expect(record.owner).toBeNull();
    expect((await server.call('/ledger/verify', { token: null })).status).toBe(200);
  });

  it('refuses a request whose Host header is not the loopback (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const outgoing = request(
        `${server.url}/tasks`,
        { headers: { host: 'evil.example:80' } },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      outgoing.on('error', reject);
      outgoing.end();
    });
    expect(status).toBe(403);
  });

  it('requires tokens from the moment one exists', async () => {
    const { token } = await issueToken(server.tokenStore, { name: 'dave' });
    expect((await server.call('/tasks', { token: null })).status).toBe(401);
    expect((await server.call('/tasks', { token })).status).toBe(200);
    await server.tokenStore.remove('dave');
  });
});

describe('the metrics scrape token', () => {
  const scrapeToken = 'scrape-0123456789abcdef';
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ server: { metricsToken: scrapeToken } });
  });
  afterAll(() => server.close());

  it('opens /metrics and nothing else', async () => {
    const metrics = await server.call('/metrics', { token: scrapeToken });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('symbiont_tasks{');
    for (const path of ['/tasks', '/costs', '/ledger/verify', '/openapi.json']) {
      expect((await server.call(path, { token: scrapeToken })).status, path).toBe(401);
    }
    expect((await server.call('/metrics', { token: `${scrapeToken}x` })).status).toBe(401);
  });

  it('must be long enough', async () => {
    await expect(startTestServer({ server: { metricsToken: 'short' } })).rejects.toThrow(/at least 16/);
  });
});
