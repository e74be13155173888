import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskSummary } from '../../src/core/records.js';
import { openSse, type SseConnection } from '../http/sse-client.js';
import { startTestServer, type TestServer } from '../http/test-server.js';

interface Watcher {
  connection: SseConnection;
  /** Every frame so far: its event name and parsed data. */
  frames: { event: string; data: unknown }[];
  /** The last summary seen per task id. */
  latest(): Map<string, TaskSummary>;
}

async function watchList(server: TestServer, token: string | undefined): Promise<Watcher> {
  const connection = await openSse(
    `${server.url}/tasks/stream`,
    token ? { authorization: `Bearer ${token}` } : {},
  );
  const frames: Watcher['frames'] = [];
  void (async () => {
    for await (const item of connection.items) {
      if (item.kind === 'frame')
        frames.push({ event: item.frame.event ?? 'message', data: JSON.parse(item.frame.data) });
    }
  })();
  return {
    connection,
    frames,
    latest: () => {
      const latest = new Map<string, TaskSummary>();
      for (const frame of frames) {
        if (frame.event === 'task') latest.set((frame.data as TaskSummary).id, frame.data as TaskSummary);
        if (frame.event === 'snapshot')
          for (const summary of (frame.data as { tasks: TaskSummary[] }).tasks)
            latest.set(summary.id, summary);
      }
      return latest;
    },
  };
}

async function submit(server: TestServer, token: string, description: string): Promise<string> {
  const response = await server.call('/tasks?wait=false', {
    token,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      // Each step takes about 400 ms (latency scaled by 0.05): long enough to be seen running.
      plan: {
        subtasks: [
          { description: `${description} [[sim latency=8000]]` },
          { description: `${description}, checked [[sim latency=8000]]`, depends_on: [0] },
        ],
      },
    }),
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

describe('GET /tasks/stream', () => {
  let server: TestServer;
  const open: Watcher[] = [];

  beforeAll(async () => {
    server = await startTestServer({ latencyScale: 0.05 });
  });

  afterAll(async () => {
    for (const watcher of open) watcher.connection.close();
    await server.close();
  });

  const watch = async (token: string | undefined) => {
    const watcher = await watchList(server, token);
    open.push(watcher);
    return watcher;
  };

  it('refuses a caller without a token with the JSON 401 of every route', async () => {
    const response = await server.call('/tasks/stream', { token: null });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
  });

  it('answers 406 to a plain read that does not ask for a stream, since the stream never ends', async () => {
    for (const accept of [undefined, '*/*', 'application/json', 'text/event-streams']) {
      const response = await server.call('/tasks/stream', {
        token: server.tokens.alice,
        ...(accept ? { headers: { accept } } : {}),
      });
      expect(response.status, String(accept)).toBe(406);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('NOT_ACCEPTABLE');
    }
  });

  it("sends a snapshot, then each of the caller's tasks as it is created and changes; never another owner's", async () => {
    const alice = await watch(server.tokens.alice);
    const bob = await watch(server.tokens.bob);
    const root = await watch(server.tokens.root);
    expect(alice.connection.status).toBe(200);
    expect(alice.connection.contentType).toContain('text/event-stream');
    await expect.poll(() => alice.frames[0]?.event).toBe('snapshot');
    await expect.poll(() => root.frames[0]?.event).toBe('snapshot');

    const aliceTask = await submit(server, server.tokens.alice!, 'alice step');
    const bobTask = await submit(server, server.tokens.bob!, 'bob step');

    await expect.poll(() => alice.latest().get(aliceTask)?.status, { timeout: 15_000 }).toBe('completed');
    expect(alice.latest().get(aliceTask)).toMatchObject({ subtask_count: 2, completed_count: 2 });
    await expect.poll(() => bob.latest().get(bobTask)?.status, { timeout: 15_000 }).toBe('completed');
    await expect.poll(() => root.latest().get(bobTask)?.status, { timeout: 15_000 }).toBe('completed');
    await expect.poll(() => root.latest().get(aliceTask)?.status, { timeout: 15_000 }).toBe('completed');

    expect([...alice.latest().keys()]).toEqual([aliceTask]);
    expect([...bob.latest().keys()]).toEqual([bobTask]);
    // The summary sent last is the one GET /tasks answers.
    const listed = (await (
      await server.call('/tasks', { token: server.tokens.alice })
    ).json()) as TaskSummary[];
    expect(alice.latest().get(aliceTask)).toEqual(listed.find((summary) => summary.id === aliceTask));
    // Status changes came one by one, not only the end state; an unchanged summary is not sent again.
    const statuses = alice.frames
      .filter((frame) => frame.event === 'task')
      .map((frame) => JSON.stringify(frame.data));
    expect(statuses.length).toBeGreaterThan(1);
    expect(new Set(statuses).size).toBe(statuses.length);

    // A later connection starts from a snapshot with the task in it.
    const again = await watch(server.tokens.alice);
    await expect.poll(() => again.frames[0]?.event).toBe('snapshot');
    expect((again.frames[0]!.data as { tasks: TaskSummary[] }).tasks.map((task) => task.id)).toEqual([
      aliceTask,
    ]);
  });
});
