import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/http/routes.js';
import { postJson, startTestServer, type TestServer } from './test-server.js';

// Thousands of random and malformed requests, only to 127.0.0.1 and bounded in number: every
// answer is below 500, every error is {error: {code, message}} JSON, and the server stays healthy.

const FETCH_RUNS = 2500;
const RAW_RUNS = 500;
const SEED = 20_260_415;

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

const HUGE_BODY = JSON.stringify({ prompt: 'z'.repeat(1024 * 1024 + 100) });
const DEEP_BODY = `${'['.repeat(5000)}${']'.repeat(5000)}`;

function requestArbitrary(server: TestServer, knownIds: string[]): fc.Arbitrary<FuzzRequest> {
  const printable = fc.stringMatching(/^[\x20-\x7e]{0,80}$/);
  const id = fc.oneof(
    fc.constantFrom(...knownIds),
    fc.uuid().map((uuid) => `compound-${uuid}`),
    fc.string({ maxLength: 40 }).map(encodeURIComponent),
    fc.stringMatching(/^[%A-Za-z0-9._~-]{0,350}$/),
  );
  const routePath = fc
    .tuple(fc.constantFrom(...ROUTES.map((route) => route.url)), id)
    .map(([url, value]) => url.replace(':id', value));
  const randomPath = fc.oneof(
    fc.webPath(),
    fc
      .array(fc.string({ maxLength: 12 }).map(encodeURIComponent), { maxLength: 6 })
      .map((parts) => `/${parts.join('/')}`),
  );
  const queryValue = fc.oneof(
    fc.constantFrom('1', '0', '-1', '20', '201', '999999999999', 'true', 'false', 'model', 'day', 'task', ''),
    printable.map(encodeURIComponent),
  );
  const query = fc
    .array(
      fc.tuple(
        fc.constantFrom('limit', 'wait', 'by', 'last_event_id', 'x', '__proto__', 'limit[]'),
        queryValue,
      ),
      {
        maxLength: 3,
      },
    )
    .map((pairs) => (pairs.length ? `?${pairs.map(([key, value]) => `${key}=${value}`).join('&')}` : ''));
  const path = fc
    .tuple(fc.oneof(routePath, routePath, randomPath), query)
    .map(([base, search]) => base + search);

  const authorization = fc.oneof(
    fc.constant(undefined),
    fc
      .constantFrom(server.tokens.alice!, server.tokens.bob!, server.tokens.root!)
      .map((token) => `Bearer ${token}`),
    fc.constantFrom(server.tokens.alice!, server.tokens.root!).map((token) => `Bearer ${token}`),
    printable.map((text) => `Bearer ${text}`),
    printable,
  );
  const contentType = fc.oneof(
    fc.constant(undefined),
    fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=latin1',
    ),
    printable,
  );
  const jsonish = fc.oneof(
    fc.jsonValue(),
    fc.record(
      {
        prompt: fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.integer(),
          fc.constant(null),
          fc.array(fc.string()),
        ),
        plan: fc.oneof(
          fc.jsonValue(),
          fc.record(
            {
              subtasks: fc.array(
                fc.record(
                  {
                    description: fc.oneof(fc.string({ maxLength: 30 }), fc.integer()),
                    tier_hint: fc.oneof(fc.integer({ min: -2, max: 5 }), fc.double(), fc.string()),
                    depends_on: fc.oneof(fc.array(fc.integer({ min: -3, max: 8 })), fc.string()),
                    index: fc.integer({ min: -2, max: 8 }),
                  },
                  { requiredKeys: [] },
                ),
                { maxLength: 8 },
              ),
              reasoning: fc.oneof(fc.string(), fc.constant(null), fc.integer()),
            },
            { requiredKeys: [] },
          ),
        ),
        options: fc.oneof(
          fc.jsonValue(),
          fc.record(
            {
              concurrency: fc.oneof(fc.integer({ min: -5, max: 100 }), fc.string()),
              models: fc.dictionary(fc.constantFrom('1', '2', '3', '4'), fc.oneof(fc.string(), fc.integer())),
              escalate: fc.oneof(fc.boolean(), fc.string()),
            },
            { requiredKeys: [] },
          ),
        ),
        extra: fc.jsonValue(),
      },
      { requiredKeys: [] },
    ),
  );
  const body = fc.oneof(
    { weight: 6, arbitrary: jsonish.map((value) => JSON.stringify(value)) },
    { weight: 3, arbitrary: fc.string({ maxLength: 300 }) },
    { weight: 2, arbitrary: jsonish.map((value) => JSON.stringify(value).slice(0, -1)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        HUGE_BODY,
        DEEP_BODY,
        '{"__proto__": {"admin": true}, "prompt": "x"}',
        '{"constructor": {"prototype": {"admin": true}}, "prompt": "x"}',
        '\uFEFF{"prompt": "bom"}',
        '{"prompt": "\\ud800"}',
        'null',
        '',
      ),
    },
  );
  const extraHeaders = fc.dictionary(
    fc.constantFrom(
      'last-event-id',
      'accept',
      'x-forwarded-for',
      'origin',
      'cookie',
      'accept-encoding',
      'x-random',
    ),
    printable,
    { maxKeys: 3 },
  );
  const chaos = fc
    .record({
      method: fc.constantFrom('GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
      path,
      authorization,
      contentType,
      body: fc.option(body, { nil: undefined }),
      extraHeaders,
    })
    .map(({ method, path: url, authorization: auth, contentType: type, body: text, extraHeaders: more }) => {
      const headers: Record<string, string> = { ...more };
      if (auth !== undefined) headers.authorization = auth;
      if (type !== undefined) headers['content-type'] = type;
      return { method, path: url, headers, body: method === 'GET' || method === 'HEAD' ? undefined : text };
    });
  // Past auth and content type: near-valid submissions and reads that reach the handlers.
  const submission = fc.record(
    {
      prompt: fc.string({ minLength: 1, maxLength: 120 }),
      plan: fc.record({
        subtasks: fc.array(
          fc.record(
            {
              description: fc.string({ minLength: 1, maxLength: 30 }),
              tier_hint: fc.integer({ min: 1, max: 3 }),
              depends_on: fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 3 }),
              index: fc.integer({ min: 0, max: 6 }),
            },
            { requiredKeys: ['description'] },
          ),
          { minLength: 1, maxLength: 6 },
        ),
      }),
      options: fc.record(
        {
          concurrency: fc.integer({ min: 0, max: 70 }),
          models: fc.record({ 1: fc.string({ maxLength: 10 }) }, { requiredKeys: [] }),
          max_attempts: fc.integer({ min: 0, max: 11 }),
          budget_usd: fc.oneof(fc.constant(null), fc.double({ min: -1, max: 10, noNaN: true })),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: [] },
  );
  const validToken = fc.constantFrom(server.tokens.alice!, server.tokens.bob!, server.tokens.root!);
  const targeted = fc.oneof(
    fc
      .tuple(
        validToken,
        fc.constantFrom('', '?wait=false', '?wait=true', '?wait=maybe'),
        fc.oneof(submission, jsonish),
      )
      .map(([token, search, value]) => ({
        method: 'POST',
        path: `/tasks${search}`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(value),
      })),
    fc
      .tuple(validToken, routePath, query, fc.option(printable, { nil: undefined }))
      .map(([token, url, search, lastEventId]) => ({
        method: 'GET',
        path: url + search,
        headers: {
          authorization: `Bearer ${token}`,
          ...(lastEventId !== undefined ? { 'last-event-id': lastEventId } : {}),
        },
        body: undefined,
      })),
  );
  return fc.oneof(chaos, targeted);
}

async function send(
  server: TestServer,
  request: FuzzRequest,
): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`${server.url}${request.path}`, {
    method: request.method,
    headers: request.headers,
    ...(request.body !== undefined ? { body: request.body } : {}),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

function expectWellFormed(
  status: number,
  type: string | null,
  text: string,
  method: string,
  what: string,
): void {
  expect(status, what).toBeLessThan(500);
  if (status >= 400 && method !== 'HEAD') {
    expect(type, what).toMatch(/^application\/json/);
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    expect(typeof body.error?.code, what).toBe('string');
    expect(typeof body.error?.message, what).toBe('string');
  }
}

/** Sends raw bytes and reads whatever comes back until the server closes (or 5 s pass). */
function sendRaw(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: '127.0.0.1', port });
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    const timer = setTimeout(finish, 5000);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', finish);
    socket.on('close', finish);
    socket.on('connect', () => {
      socket.write(bytes);
      socket.end();
    });
  });
}

function rawArbitrary(token: string): fc.Arbitrary<Buffer> {
  const line = fc.stringMatching(/^[\x00-\xff]{0,60}$/);
  const target = fc.oneof(
    fc.constantFrom(
      '/tasks',
      '/healthz',
      '/tasks/x/events',
      '*',
      'http://evil/tasks',
      '/%zz',
      '/tasks/%00',
      '/ta sks',
    ),
    line.map((text) => text.replace(/[\r\n ]/g, '')),
  );
  const validHead = (method: string, url: string, headers: string[]) =>
    `${method} ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n${headers.join('')}`;
  return fc.oneof(
    fc.array(line, { maxLength: 6 }).map((lines) => Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1')),
    fc
      .tuple(
        fc.constantFrom('GET', 'POST', 'G@T', 'BREW', 'get', ''),
        target,
        fc.constantFrom('HTTP/1.1', 'HTTP/9.9', 'HTTP/1', ''),
      )
      .map(([method, url, version]) =>
        Buffer.from(`${method} ${url} ${version}\r\nHost: 127.0.0.1\r\n\r\n`, 'latin1'),
      ),
    fc
      .tuple(line, line)
      .map(([name, value]) =>
        Buffer.from(`${validHead('GET', '/tasks', [`${name}: ${value}\r\n`])}\r\n`, 'latin1'),
      ),
    fc.constant(Buffer.from(`${validHead('GET', '/tasks', [`X-Big: ${'a'.repeat(20_000)}\r\n`])}\r\n`)),
    fc
      .tuple(fc.integer({ min: 0, max: 2_000_000 }), fc.string({ maxLength: 50 }))
      .map(([length, text]) =>
        Buffer.from(
          `${validHead('POST', '/tasks', ['Content-Type: application/json\r\n', `Content-Length: ${length}\r\n`])}\r\n${text}`,
        ),
      ),
    fc
      .string({ maxLength: 40 })
      .map((chunk) =>
        Buffer.from(
          `${validHead('POST', '/tasks', ['Content-Type: application/json\r\n', 'Transfer-Encoding: chunked\r\n'])}\r\n${chunk}\r\n0\r\n\r\n`,
        ),
      ),
    fc.constant(
      Buffer.from(
        `${validHead('POST', '/tasks', ['Content-Type: application/json\r\n', 'Content-Length: 5\r\n', 'Transfer-Encoding: chunked\r\n'])}\r\n5\r\nhello\r\n0\r\n\r\n`,
      ),
    ),
  );
}

describe('fuzzing the API', () => {
  let server: TestServer;
  let knownIds: string[];

  beforeAll(async () => {
    server = await startTestServer({ server: { heartbeatMs: 1000 } });
    const alice = await postJson(server, '/tasks', { prompt: 'Name two rivers. Then compare them.' });
    const bob = await postJson(server, '/tasks', { prompt: 'Name a mountain.' }, server.tokens.bob);
    knownIds = [((await alice.json()) as { id: string }).id, ((await bob.json()) as { id: string }).id];
    for (const id of knownIds) await server.app.service.waitForTask(id);
  });
  afterAll(() => server.close());

  it('answers thousands of random requests with 4xx JSON errors or success, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(requestArbitrary(server, knownIds), async (request) => {
        const answer = await send(server, request);
        expectWellFormed(
          answer.status,
          answer.type,
          answer.text,
          request.method,
          `${request.method} ${request.path}`,
        );
      }),
      { numRuns: FETCH_RUNS, seed: SEED, endOnFailure: true },
    );
  }, 240_000);

  it('answers malformed HTTP with a 4xx or by closing the connection, never a 5xx', async () => {
    const samples = fc.sample(rawArbitrary(server.tokens.alice!), { numRuns: RAW_RUNS, seed: SEED });
    for (let start = 0; start < samples.length; start += 25) {
      const batch = samples.slice(start, start + 25);
      const answers = await Promise.all(batch.map((bytes) => sendRaw(server.running.port, bytes)));
      answers.forEach((answer, index) => {
        const what = JSON.stringify(batch[index]!.toString('latin1').slice(0, 120));
        const statusLine = /^HTTP\/1\.1 (\d{3})/.exec(answer);
        if (!statusLine) return; // the server hung up without answering
        const status = Number(statusLine[1]);
        expect(status, what).toBeLessThan(500);
        const [head = '', text = ''] = answer.split('\r\n\r\n', 2);
        if (status >= 400 && !/transfer-encoding: chunked/i.test(head) && text.length > 0) {
          const type = /content-type: ([^\r\n]+)/i.exec(head)?.[1] ?? null;
          expectWellFormed(status, type, text, 'GET', what);
        }
      });
    }
  }, 240_000);

  it('is still healthy afterwards', async () => {
    expect((await server.call('/healthz', { token: null })).status).toBe(200);
    const response = await postJson(server, '/tasks', { prompt: 'Say hello. Then say goodbye.' });
    expect(response.status).toBe(202);
    const task = await server.app.service.waitForTask(((await response.json()) as { id: string }).id);
    expect(task.status).toBe('completed');
    const metrics = await (await server.call('/metrics', { token: server.tokens.root })).text();
    expect(metrics).not.toMatch(/status="5\d\d"/);
  });
});
