import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskEvent } from '../../src/core/events.js';
import type { Task } from '../../src/core/records.js';
import { openSse, type SseFrame } from './sse-client.js';
import { postJson, startTestServer, type TestServer } from './test-server.js';

/** A plan whose subtasks run one after another, each taking `latencyMs`. */
function chainPlan(steps: number, latencyMs: number) {
  return {
    plan: {
      subtasks: Array.from({ length: steps }, (_, index) => ({
        description: `step ${index} [[sim latency=${latencyMs}]]`,
        depends_on: index === 0 ? [] : [index - 1],
      })),
    },
  };
}

async function submit(server: TestServer, body: unknown): Promise<string> {
  const response = await postJson(server, '/tasks', body);
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

/** Reads frames until `stopAfter` of them arrived (then drops the connection) or the stream ends. */
async function readFrames(
  server: TestServer,
  taskId: string,
  options: { lastEventId?: string; stopAfter?: number; query?: string } = {},
): Promise<{ frames: SseFrame[]; comments: string[]; ended: boolean }> {
  const headers: Record<string, string> = { authorization: `Bearer ${server.tokens.alice}` };
  if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
  const connection = await openSse(`${server.url}/tasks/${taskId}/events${options.query ?? ''}`, headers);
  expect(connection.status).toBe(200);
  expect(connection.contentType).toMatch(/^text\/event-stream/);
  const frames: SseFrame[] = [];
  const comments: string[] = [];
  for await (const item of connection.items) {
    if (item.kind === 'comment') comments.push(item.text);
    else frames.push(item.frame);
    if (options.stopAfter !== undefined && frames.length >= options.stopAfter) {
      connection.close();
      return { frames, comments, ended: false };
    }
  }
  return { frames, comments, ended: true };
}

describe('GET /tasks/:id/events', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ latencyScale: 1, server: { heartbeatMs: 50 } });
  });
  afterAll(() => server.close());

  it('sends every event exactly once, in order, across disconnects resumed with Last-Event-ID', async () => {
    const taskId = await submit(server, chainPlan(6, 150));
    const received: SseFrame[] = [];
    let lastEventId: string | undefined;
    let ended = false;
    let reconnects = 0;
    while (!ended) {
      const part = await readFrames(server, taskId, {
        ...(lastEventId !== undefined ? { lastEventId } : {}),
        stopAfter: 3,
      });
      received.push(...part.frames);
      lastEventId = part.frames.at(-1)?.id ?? lastEventId;
      ended = part.ended;
      if (!ended) reconnects++;
    }
    expect(reconnects).toBeGreaterThanOrEqual(3);
    const seqs = received.map((frame) => Number(frame.id));
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, index) => index + 1));
    const stored = [];
    for await (const event of server.app.service.events(taskId)) stored.push(event);
    expect(received.map((frame) => JSON.parse(frame.data) as TaskEvent)).toEqual(stored);
    expect(received.map((frame) => frame.event)).toEqual(stored.map((event) => event.type));
    expect(received.at(-1)?.event).toBe('task.finished');
  });

  it('answers GET /tasks/:id with a record that shows every event already streamed', async () => {
    const taskId = await submit(server, chainPlan(5, 60));
    const connection = await openSse(`${server.url}/tasks/${taskId}/events`, {
      authorization: `Bearer ${server.tokens.alice}`,
    });
    let checked = 0;
    for await (const item of connection.items) {
      if (item.kind !== 'frame') continue;
      const event = JSON.parse(item.frame.data) as TaskEvent;
      const record = (await (await server.call(`/tasks/${taskId}`)).json()) as Task;
      if (event.type === 'subtask.started' || event.type === 'subtask.completed') {
        const expected = event.type === 'subtask.started' ? ['executing', 'completed'] : ['completed'];
        expect(expected).toContain(record.subtasks[event.index]?.status);
        checked++;
      }
      if (event.type === 'task.finished') expect(record.status).toBe(event.status);
    }
    expect(checked).toBe(10);
  });

  it('ends the stream after the final event of a finished task', async () => {
    const taskId = await submit(server, chainPlan(2, 10));
    await server.app.service.waitForTask(taskId);
    const { frames, ended } = await readFrames(server, taskId);
    expect(ended).toBe(true);
    expect(frames.at(-1)?.event).toBe('task.finished');
    const again = await readFrames(server, taskId, { lastEventId: frames.at(-1)!.id! });
    expect(again.frames).toEqual([]);
    expect(again.ended).toBe(true);
  });

  it('sends heartbeat comments while nothing happens', async () => {
    const taskId = await submit(server, chainPlan(1, 600));
    const { comments } = await readFrames(server, taskId);
    expect(comments.filter((text) => text === 'heartbeat').length).toBeGreaterThanOrEqual(2);
  });

  it('accepts last_event_id in the query for clients that cannot set headers', async () => {
    const taskId = await submit(server, chainPlan(2, 10));
    await server.app.service.waitForTask(taskId);
    const all = await readFrames(server, taskId);
    const rest = await readFrames(server, taskId, { query: '?last_event_id=2' });
    expect(rest.frames).toEqual(all.frames.slice(2));
  });

  it('answers HEAD at once, without holding a stream open', async () => {
    const taskId = await submit(server, chainPlan(1, 5000));
    const response = await server.call(`/tasks/${taskId}/events`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await server.call(`/tasks/${taskId}/cancel`, { method: 'POST' });
  });

  it('rejects a Last-Event-ID that is not a sequence number', async () => {
    const taskId = await submit(server, chainPlan(1, 10));
    const response = await server.call(`/tasks/${taskId}/events`, { headers: { 'last-event-id': 'abc' } });
    expect(response.status).toBe(400);
  });

  it('stops the stream of a client that goes away', async () => {
    const taskId = await submit(server, chainPlan(1, 3000));
    const subscribers = async () => {
      const text = await (await server.call('/metrics', { token: server.tokens.root })).text();
      return Number(/^symbiont_sse_subscribers (\d+)/m.exec(text)?.[1]);
    };
    const headers = { authorization: `Bearer ${server.tokens.alice}` };
    const connections = await Promise.all(
      Array.from({ length: 5 }, () => openSse(`${server.url}/tasks/${taskId}/events`, headers)),
    );
    expect(connections.every((connection) => connection.status === 200)).toBe(true);
    expect(await subscribers()).toBe(5);
    for (const connection of connections) connection.close();
    for (let attempt = 0; attempt < 100 && (await subscribers()) !== 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await subscribers()).toBe(0);
    expect(server.logs.some((line) => line.includes('"closed_by_client":true'))).toBe(true);
    await server.call(`/tasks/${taskId}/cancel`, { method: 'POST' });
  });
});
