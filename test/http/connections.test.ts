import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './test-server.js';

// Slow and idle clients, with and without a token, on raw sockets: each is disconnected within
// the (short, test-set) limit that applies to it, and the cap on connections holds.

const LIMITS = {
  requestTimeoutMs: 1_500,
  headersTimeoutMs: 1_000,
  keepAliveTimeoutMs: 400,
  idleTimeoutMs: 5_000,
  maxConnections: 40,
  checkIntervalMs: 100,
};
/** Generous: each bound below is a limit plus this much for a loaded machine. */
const SLACK_MS = 4_000;

interface RawClient {
  socket: Socket;
  /** Everything the server sent. */
  received(): string;
  /** Resolves with the ms from `since` when the server has closed the connection. */
  closed: Promise<number>;
  /** Sends one byte every `everyMs` until closed. */
  drip(byte: string, everyMs: number): void;
}

async function rawClient(url: string): Promise<RawClient> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let text = '';
  socket.on('data', (chunk) => {
    text += chunk.toString('latin1');
  });
  socket.on('error', () => {});
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const closed = new Promise<number>((resolve) => {
    socket.once('close', () => {
      clearInterval(timer);
      resolve(Date.now() - started);
    });
  });
  return {
    socket,
    received: () => text,
    closed,
    drip(byte, everyMs) {
      timer = setInterval(() => {
        if (!socket.destroyed) socket.write(byte);
      }, everyMs);
    },
  };
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | 'still open'> {
  return Promise.race([
    promise,
    new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), ms)),
  ]);
}

const postHead = (token: string | undefined, length: number) =>
  `POST /tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${
    token ? `Authorization: Bearer ${token}\r\n` : ''
  }\r\n`;

describe('connection limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ server: { connections: LIMITS } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers 408 and hangs up on a client with a token whose body does not arrive within requestTimeoutMs', async () => {
    const client = await rawClient(server.url);
    client.socket.write(postHead(server.tokens.alice, 1_000));
    client.drip('x', 100);
    const closedAfter = await within(client.closed, LIMITS.requestTimeoutMs + SLACK_MS);
    expect(closedAfter).not.toBe('still open');
    expect(closedAfter as number).toBeGreaterThanOrEqual(LIMITS.requestTimeoutMs - 100);
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
    client.socket.destroy();
  });

  it('hangs up on headers dripped slower than headersTimeoutMs', async () => {
    const client = await rawClient(server.url);
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    client.drip('a', 100);
    const closedAfter = await within(client.closed, LIMITS.headersTimeoutMs + SLACK_MS);
    expect(closedAfter).not.toBe('still open');
    expect(client.received()).not.toContain('200 OK');
    client.socket.destroy();
  });

  it('closes a keep-alive connection left idle for keepAliveTimeoutMs', async () => {
    const client = await rawClient(server.url);
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const closedAfter = await within(client.closed, LIMITS.keepAliveTimeoutMs + SLACK_MS);
    expect(closedAfter).not.toBe('still open');
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('refuses connections over maxConnections and serves again once they are gone', async () => {
    const clients = await Promise.all(
      Array.from({ length: LIMITS.maxConnections + 10 }, () => rawClient(server.url)),
    );
    const closedAtOnce = await Promise.all(clients.map((client) => within(client.closed, 500)));
    const refused = closedAtOnce.filter((value) => value !== 'still open').length;
    expect(refused).toBeGreaterThanOrEqual(10);
    for (const client of clients) client.socket.destroy();
    await Promise.all(clients.map((client) => client.closed));
    await expect.poll(() => server.call('/healthz').then((response) => response.status)).toBe(200);
  });
});

describe('errors sent before the body is read', () => {
  // A request timeout far beyond the test: only the hang-up after the answer can end these.
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      server: { connections: { requestTimeoutMs: 60_000, headersTimeoutMs: 60_000 } },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('hangs up after a 401 instead of reading a body dripped byte by byte', async () => {
    const client = await rawClient(server.url);
    client.socket.write(postHead(undefined, 100_000));
    client.drip('x', 50);
    const closedAfter = await within(client.closed, SLACK_MS);
    expect(closedAfter).not.toBe('still open');
    expect(client.received()).toMatch(/^HTTP\/1\.1 401 /);
    expect(client.received().toLowerCase()).toContain('connection: close');
    client.socket.destroy();
  });

  it('hangs up after a 413 announced by content-length, before reading the body', async () => {
    const client = await rawClient(server.url);
    client.socket.write(postHead(server.tokens.alice, 50 * 1024 * 1024));
    client.drip('x', 50);
    expect(await within(client.closed, SLACK_MS)).not.toBe('still open');
    expect(client.received()).toMatch(/^HTTP\/1\.1 413 /);
    client.socket.destroy();
  });

  it('holds none of 30 slow clients without a token once their 401s are sent', async () => {
    const clients = await Promise.all(Array.from({ length: 30 }, () => rawClient(server.url)));
    for (const client of clients) {
      client.socket.write(postHead(undefined, 10_000));
      client.drip('y', 100);
    }
    const outcomes = await Promise.all(clients.map((client) => within(client.closed, SLACK_MS)));
    expect(outcomes.filter((value) => value === 'still open')).toEqual([]);
    const held = await new Promise<number>((resolve, reject) =>
      server.running.server.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
    );
    expect(held).toBe(0);
  });
});
