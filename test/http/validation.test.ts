import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestServer, type TestServer } from './test-server.js';

interface ErrorBody {
  error: { code: string; message: string };
}

async function expectError(response: Response, status: number, code?: string): Promise<ErrorBody['error']> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await response.json()) as ErrorBody;
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message']);
  if (code) expect(body.error.code).toBe(code);
  return body.error;
}

describe('request validation', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      store: 'memory',
      server: { limits: { promptMaxChars: 50, planMaxSubtasks: 3 } },
    });
  });
  afterAll(() => server.close());

  it('rejects unknown fields in the body, its options and its plan', async () => {
    const top = await expectError(
      await postJson(server, '/tasks', { prompt: 'hi', extra: 1 }),
      400,
      'INVALID_ARGUMENT',
    );
    expect(top.message).toContain('extra');
    await expectError(await postJson(server, '/tasks', { prompt: 'hi', options: { color: 'red' } }), 400);
    await expectError(
      await postJson(server, '/tasks', { plan: { subtasks: [{ description: 'a', surprise: true }] } }),
      400,
    );
  });

  it('rejects unknown query parameters', async () => {
    await expectError(await server.call('/tasks?limit=5&colour=red'), 400, 'INVALID_ARGUMENT');
    await expectError(await server.call('/tasks?limit=0'), 400);
    await expectError(await server.call('/tasks?limit=abc'), 400);
  });

  it('caps the prompt at the configured length', async () => {
    const error = await expectError(await postJson(server, '/tasks', { prompt: 'x'.repeat(51) }), 400);
    expect(error.message).toContain('body.prompt');
    const ok = await postJson(server, '/tasks', { prompt: 'x'.repeat(50) });
    expect(ok.status).toBe(202);
  });

  it('caps the plan at the configured number of subtasks', async () => {
    const subtasks = (count: number) =>
      Array.from({ length: count }, (_, index) => ({ description: `step ${index}` }));
    await expectError(await postJson(server, '/tasks', { plan: { subtasks: subtasks(4) } }), 400);
    const ok = await postJson(server, '/tasks', { plan: { subtasks: subtasks(3) } });
    expect(ok.status).toBe(202);
    expect(((await ok.json()) as { subtask_count: number }).subtask_count).toBe(3);
  });

  it('requires a prompt or a plan', async () => {
    await expectError(await postJson(server, '/tasks', {}), 400, 'INVALID_ARGUMENT');
    await expectError(await postJson(server, '/tasks', { options: { concurrency: 2 } }), 400);
  });

  it('answers 413 to a body over 1 MiB', async () => {
    const response = await server.call('/tasks', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'y'.repeat(1024 * 1024 + 10) }),
    });
    await expectError(response, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers 400 to malformed JSON without echoing it', async () => {
    const error = await expectError(
      await server.call('/tasks', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"prompt": "secret-prompt-text',
      }),
      400,
      'MALFORMED_JSON',
    );
    expect(error.message).not.toContain('secret-prompt-text');
    await expectError(
      await server.call('/tasks', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '',
      }),
      400,
      'MALFORMED_JSON',
    );
  });

  it('answers 415 to a body that is not JSON', async () => {
    await expectError(
      await server.call('/tasks', {
        method: 'POST',
        headers: { 'content-type': 'application/xml' },
        body: '<a/>',
      }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    await expectError(
      await server.call('/tasks', {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'hello',
      }),
      400,
      'INVALID_ARGUMENT',
    );
  });

  it('answers 404 to an unknown task and an unknown route', async () => {
    await expectError(await server.call('/tasks/compound-nope'), 404, 'NOT_FOUND');
    await expectError(await server.call('/task/compound-nope/progress'), 404, 'NOT_FOUND');
    await expectError(await server.call('/tasks/compound-nope/events'), 404, 'NOT_FOUND');
    await expectError(await server.call('/tasks/compound-nope/cancel', { method: 'POST' }), 404, 'NOT_FOUND');
    await expectError(await server.call('/nowhere'), 404, 'NOT_FOUND');
    await expectError(await server.call('/nowhere', { method: 'DELETE' }), 404, 'NOT_FOUND');
  });

  it('answers 405 with Allow to a method a known path does not serve', async () => {
    const onList = await server.call('/tasks', { method: 'DELETE' });
    expect(onList.headers.get('allow')).toBe('POST, GET, HEAD');
    await expectError(onList, 405, 'METHOD_NOT_ALLOWED');
    const onTask = await server.call('/tasks/compound-x', { method: 'PUT' });
    expect(onTask.headers.get('allow')).toBe('GET, HEAD');
    await expectError(onTask, 405, 'METHOD_NOT_ALLOWED');
    const onCancel = await server.call('/tasks/compound-x/cancel?x=1', { method: 'GET' });
    expect(onCancel.headers.get('allow')).toBe('POST');
    await expectError(onCancel, 405, 'METHOD_NOT_ALLOWED');
  });

  it('answers 422 to a plan with a dependency cycle', async () => {
    const response = await postJson(server, '/tasks', {
      plan: {
        subtasks: [
          { description: 'a', depends_on: [1] },
          { description: 'b', depends_on: [0] },
        ],
      },
    });
    const error = await expectError(response, 422, 'PLAN_CYCLE');
    expect(error.message).toContain('cycle');
  });
});

describe('POST /tasks', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ store: 'memory' });
  });
  afterAll(() => server.close());

  it('answers 202 {id, status, subtask_count} once the task is planned', async () => {
    const response = await postJson(server, '/tasks', { prompt: 'Boil water. Then make tea.' });
    expect(response.status).toBe(202);
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['id', 'status', 'subtask_count']);
    expect(body.id).toMatch(/^compound-[0-9a-f-]{36}$/);
    expect(['planned', 'executing', 'completed']).toContain(body.status);
    expect(body.subtask_count).toBe(2);
    expect(response.headers.get('location')).toBe(`/tasks/${body.id}`);
  });

  it('answers at once with status planning when ?wait=false', async () => {
    const response = await postJson(server, '/tasks?wait=false', {
      prompt: 'Plan slowly. [[sim plan_latency=5000]]',
    });
    expect(response.status).toBe(202);
    const body = (await response.json()) as { id: string; status: string; subtask_count: number };
    expect(body.status).toBe('planning');
    expect(body.subtask_count).toBe(0);
    await server.call(`/tasks/${body.id}/cancel`, { method: 'POST' });
  });

  it('passes concurrency and the tier map to the task settings', async () => {
    const response = await postJson(server, '/tasks', {
      plan: { subtasks: [{ description: 'one', tier_hint: 1 }, { description: 'two' }] },
      options: { concurrency: 1, models: { 1: 'tiny-model' } },
    });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    const task = await server.app.service.waitForTask(id);
    expect(task.settings.concurrency).toBe(1);
    expect(task.settings.models).toEqual({ 1: 'tiny-model' });
    expect(task.subtasks[0]?.model).toBe('tiny-model');
  });

  it('cancels a running task and answers its record', async () => {
    const submitted = await postJson(server, '/tasks', {
      plan: { subtasks: [{ description: 'slow one [[sim latency=60000]]' }] },
    });
    const { id } = (await submitted.json()) as { id: string };
    const response = await server.call(`/tasks/${id}/cancel`, { method: 'POST' });
    expect(response.status).toBe(200);
    const record = (await response.json()) as { id: string; status: string };
    expect(record.id).toBe(id);
    const final = await server.app.service.waitForTask(id);
    expect(final.status).toBe('cancelled');
  });
});
