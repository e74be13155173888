import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestServer, type TestServer } from './test-server.js';

// Every answer carries the security headers: API routes, errors, the dashboard, event streams,
// and the raw answer to malformed HTTP.

function expectSecurityHeaders(headers: Headers, where: string): void {
  const csp = headers.get('content-security-policy') ?? '';
  expect(csp, where).toContain("frame-ancestors 'none'");
  expect(headers.get('x-frame-options'), where).toBe('DENY');
  expect(headers.get('x-content-type-options'), where).toBe('nosniff');
  expect(headers.get('referrer-policy'), where).toBe('no-referrer');
  expect(headers.get('cache-control'), where).toContain('no-store');
}

describe('security headers', () => {
  let server: TestServer;
  let taskId: string;
  beforeAll(async () => {
    server = await startTestServer();
    const response = await postJson(server, '/tasks', { plan: { subtasks: [{ description: 'one' }] } });
    taskId = ((await response.json()) as { id: string }).id;
  });
  afterAll(async () => {
    await server.close();
  });

  it('are on every route, on errors and on 404s', async () => {
    const answers: [string, Response][] = [
      ['dashboard', await server.call('/', { token: null })],
      ['healthz', await server.call('/healthz', { token: null })],
      ['openapi', await server.call('/openapi.json')],
      ['list', await server.call('/tasks')],
      ['task', await server.call(`/tasks/${taskId}`)],
      ['progress', await server.call(`/task/${taskId}/progress`)],
      ['costs', await server.call('/costs', { token: server.tokens.root })],
      ['verify', await server.call('/ledger/verify', { token: server.tokens.root })],
      ['metrics', await server.call('/metrics', { token: server.tokens.root })],
      ['401', await server.call('/tasks', { token: null })],
      ['400', await server.call('/tasks?limit=0')],
      ['404', await server.call('/nowhere')],
      ['405', await server.call('/tasks', { method: 'PATCH' })],
      ['bad url', await server.call('/tasks/%E0%A4%A')],
    ];
    for (const [where, response] of answers) {
      expectSecurityHeaders(response.headers, where);
      await response.arrayBuffer();
    }
  });

  it('give the dashboard its own script policy as a header, with frame-ancestors', async () => {
    const response = await server.call('/', { token: null });
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'sha256-/);
    expect(csp).toContain("default-src 'none'");
    await response.text();
  });

  it('are on an event stream', async () => {
    const controller = new AbortController();
    const response = await server.call(`/tasks/${taskId}/events`, { signal: controller.signal });
    expect(response.status).toBe(200);
    expectSecurityHeaders(response.headers, 'events');
    controller.abort();
  });

  it('are on the raw answer to malformed HTTP', async () => {
    const { hostname, port } = new URL(server.url);
    const socket = connect({ host: hostname, port: Number(port) });
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
    });
    socket.write('GET / HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n');
    await new Promise((resolve) => socket.once('close', resolve));
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(text.toLowerCase()).toContain("frame-ancestors 'none'");
    expect(text.toLowerCase()).toContain('x-content-type-options: nosniff');
  });
});
