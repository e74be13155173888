import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JsonSchema, SchemaArbitraries } from './json-schema-arbitrary.js';
import { postJson, startTestServer, type TestServer } from './test-server.js';

// A fuzz run driven by the server's own /openapi.json: for every documented path and method,
// requests built from its parameter and body schemas (valid values, near misses and junk),
// with every kind of caller. Each answer's status must be one the document lists for that
// operation, never a 5xx, and every error is {error: {code, message}}.

const RUNS = 1500;
const SEED = 20_261_201;

interface Operation {
  path: string;
  method: string;
  statuses: Set<string>;
  parameters: { name: string; in: 'path' | 'query' | 'header'; required: boolean; schema: JsonSchema }[];
  body: JsonSchema | undefined;
}

interface Request {
  operation: Operation;
  url: string;
  init: RequestInit;
}

function operationsOf(document: JsonSchema): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(
    document.paths as Record<string, Record<string, JsonSchema>>,
  )) {
    for (const [method, operation] of Object.entries(methods)) {
      const body = operation.requestBody as JsonSchema | undefined;
      operations.push({
        path,
        method: method.toUpperCase(),
        statuses: new Set(Object.keys(operation.responses as JsonSchema)),
        parameters: operation.parameters as Operation['parameters'],
        body: (body?.content as Record<string, { schema: JsonSchema }> | undefined)?.['application/json']
          ?.schema,
      });
    }
  }
  return operations;
}

function requestOf(
  operation: Operation,
  schemas: SchemaArbitraries,
  knownIds: string[],
  tokens: Record<string, string>,
): fc.Arbitrary<Request> {
  const value = (schema: JsonSchema) =>
    fc.oneof(
      { weight: 4, arbitrary: schemas.valid(schema).map(String) },
      { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
    );
  const parameter = (spec: Operation['parameters'][number]) =>
    spec.in === 'path'
      ? fc.oneof(fc.constantFrom(...knownIds), value(spec.schema).map(encodeURIComponent))
      : spec.required
        ? value(spec.schema).map((text) => text as string | undefined)
        : fc.option(value(spec.schema), { nil: undefined, freq: 2 });
  const values = fc.tuple(...operation.parameters.map(parameter));
  const auth = fc.constantFrom<string | undefined>(
    tokens.alice,
    tokens.alice,
    tokens.bob,
    tokens.root,
    tokens.root,
    undefined,
    'symb_not-a-token',
  );
  const body =
    operation.body === undefined
      ? fc.constant<string | undefined>(undefined)
      : fc.oneof(
          { weight: 5, arbitrary: schemas.valid(operation.body).map((json) => JSON.stringify(json)) },
          { weight: 3, arbitrary: schemas.nearMiss(operation.body).map((json) => JSON.stringify(json)) },
          { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
          { weight: 1, arbitrary: fc.constant<string | undefined>(undefined) },
          { weight: 1, arbitrary: fc.constant(JSON.stringify({ prompt: 'z'.repeat(1024 * 1024 + 10) })) },
        );
  const contentType = fc.oneof(
    { weight: 6, arbitrary: fc.constant('application/json') },
    { weight: 1, arbitrary: fc.constant('application/json; charset=utf-8') },
    { weight: 1, arbitrary: fc.constant('text/plain') },
    { weight: 1, arbitrary: fc.constant('application/xml') },
  );
  // Streaming routes answer only a client that accepts an event stream.
  const accept = fc.constantFrom(undefined, undefined, 'text/event-stream', 'application/json', '*/*');
  const extraQuery = fc.oneof(
    { weight: 8, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom('x=1', 'limit=0', '__proto__=1') },
  );
  return fc
    .record({ values, auth, body, contentType, extraQuery, accept })
    .map(
      ({ values: given, auth: token, body: text, contentType: type, extraQuery: extra, accept: wanted }) => {
        let path = operation.path;
        const query = new URLSearchParams();
        const headers: Record<string, string> = {};
        operation.parameters.forEach((spec, index) => {
          const item = given[index];
          if (item === undefined) return;
          if (spec.in === 'path') path = path.replace(`{${spec.name}}`, item);
          else if (spec.in === 'query') query.set(spec.name, item);
          else if (/^[\x20-\x7e]*$/.test(item)) headers[spec.name] = item;
        });
        if (token !== undefined) headers.authorization = `Bearer ${token}`;
        if (wanted !== undefined) headers.accept = wanted;
        if (text !== undefined) headers['content-type'] = type;
        const search = [query.toString(), extra].filter(Boolean).join('&');
        // Submissions answer at once: the fuzzer does not wait for planning.
        const wait = operation.method === 'POST' && operation.path === '/tasks' && !query.has('wait');
        const url = `${path}${search || wait ? '?' : ''}${search}${wait ? `${search ? '&' : ''}wait=false` : ''}`;
        return {
          operation,
          url,
          init: { method: operation.method, headers, ...(text !== undefined ? { body: text } : {}) },
        };
      },
    );
}

describe('fuzzing the API from /openapi.json', () => {
  let server: TestServer;
  let document: JsonSchema;
  let knownIds: string[];

  beforeAll(async () => {
    server = await startTestServer({ store: 'memory', server: { heartbeatMs: 1000 } });
    const alice = await postJson(server, '/tasks', { prompt: 'Name two rivers. Then compare them.' });
    const bob = await postJson(server, '/tasks', { prompt: 'Name a mountain.' }, server.tokens.bob);
    // A partial task of alice's: a retry of it (no body, or {}) gets past validation to a 202.
    const partial = await postJson(server, '/tasks', {
      plan: { subtasks: [{ description: 'a river' }, { description: 'a broken step [[sim fail=error]]' }] },
      options: { max_attempts: 1, escalate: false },
    });
    knownIds = [];
    for (const response of [alice, bob, partial])
      knownIds.push(((await response.json()) as { id: string }).id);
    for (const id of knownIds) await server.app.service.waitForTask(id);
    // Tasks awaiting approval (SPEC §11), so that POST /tasks/:id/approve can succeed too.
    for (let copy = 0; copy < 12; copy++) {
      const review = await postJson(server, '/tasks', {
        plan: { subtasks: [{ description: `reviewed step ${copy}`, tier_hint: 1 }] },
        review: true,
      });
      knownIds.push(((await review.json()) as { id: string }).id);
    }
    document = (await (await server.call('/openapi.json')).json()) as JsonSchema;
  });
  afterAll(() => server.close());

  it('documents every status each operation answers, and none is a 5xx', async () => {
    const operations = operationsOf(document);
    expect(operations.length).toBeGreaterThanOrEqual(12);
    const schemas = new SchemaArbitraries(
      (document.components as { schemas: Record<string, JsonSchema> }).schemas,
    );
    const requests = fc.oneof(
      ...operations.map((operation) => requestOf(operation, schemas, knownIds, server.tokens)),
    );
    const seen = new Map<string, Set<number>>();
    await fc.assert(
      fc.asyncProperty(requests, async ({ operation, url, init }) => {
        const response = await fetch(`${server.url}${url}`, { ...init, signal: AbortSignal.timeout(15_000) });
        // A stream that stays open (the task list) is judged by its status and headers alone.
        const streaming = response.headers.get('content-type')?.startsWith('text/event-stream') ?? false;
        const text = streaming ? '' : await response.text();
        if (streaming) await response.body?.cancel();
        const what = `${init.method} ${url} -> ${response.status} ${text.slice(0, 200)}`;
        expect(response.status, what).toBeLessThan(500);
        expect([...operation.statuses], what).toContain(String(response.status));
        if (response.status >= 400) {
          const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
          expect(typeof body.error?.code, what).toBe('string');
          expect(typeof body.error?.message, what).toBe('string');
        }
        const key = `${operation.method} ${operation.path}`;
        seen.set(key, (seen.get(key) ?? new Set()).add(response.status));
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    // The run reached every operation, and got past validation on each; bodies were refused
    // for their size and their type too.
    expect(seen.size).toBe(operations.length);
    expect(seen.get('POST /tasks')).toEqual(new Set([202, 400, 401, 413, 415, 422]));
    for (const [key, statuses] of seen) {
      expect(
        [...statuses].some((status) => status < 300),
        `${key}: ${[...statuses]}`,
      ).toBe(true);
    }
  }, 240_000);
});
