// Event streams that scale (issue 12 item 5): a long history replayed to many subscribers at
// once leaves the server answering /healthz; open streams are capped per token and in all (429
// naming the cap); a revoked token's streams end.

import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { seedLargeHistory } from '../stores/large-history.js';
import { createdEvent, makeTask } from '../stores/task-fixtures.js';
import { openSse } from './sse-client.js';
import { startTestServer, type TestServer } from './test-server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/**
 * GET url with a keep-alive agent: how long until the whole answer was read, as wall time and
 * as this process's CPU time. Server and client share this process (vitest runs each file in
 * its own fork), so the CPU time is the work the server's event loop did before it answered:
 * unlike wall time, it does not grow when the machine's other work deschedules the process.
 */
function timedGet(url: string, agent: Agent): Promise<{ wallMs: number; cpuMs: number }> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  return new Promise((resolve, reject) => {
    request(url, { agent }, (response) => {
      response.resume();
      response.on('end', () => {
        const used = process.cpuUsage(cpu);
        resolve({ wallMs: performance.now() - started, cpuMs: (used.user + used.system) / 1000 });
      });
      response.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

/** Reads a whole event stream, counting frames and bytes without keeping them. */
function drainStream(url: string, token: string): Promise<{ status: number; frames: number; last: string }> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { authorization: `Bearer ${token}` }, agent: false }, (response) => {
      let frames = 0;
      let tail = '';
      // The end of the previous chunk: a frame's `\nid: ` may be cut between two chunks.
      let carry = '\n';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        const text = carry + chunk;
        for (let at = text.indexOf('\nid: '); at >= 0; at = text.indexOf('\nid: ', at + 1)) frames++;
        carry = text.slice(-4); // shorter than '\nid: ', so never counted twice
        tail = (tail + chunk).slice(-400);
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, frames, last: tail }));
      response.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

describe('replaying a large history to many subscribers', () => {
  it('keeps /healthz answering within 100 ms of work while 100 subscribers replay 8,000 events', async () => {
    const subscribers = 100;
    server = await startTestServer({
      server: { streamCaps: { maxStreamsPerToken: subscribers, maxStreams: subscribers } },
    });
    const history = await seedLargeHistory(server.app.store, { subtasks: 2000, resultChars: 200 });
    expect(history.eventCount).toBe(8_003);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const health = `${server.url}/healthz`;
    await timedGet(health, agent); // a connection, opened before measuring

    const url = `${server.url}/tasks/${history.taskId}/events`;
    let replaying = true;
    const replays = Promise.all(
      Array.from({ length: subscribers }, () => drainStream(url, server!.tokens.root!)),
    ).finally(() => {
      replaying = false;
    });
    // A probe is the best of three requests in a row; the slowest probe is asserted, in CPU
    // time (see timedGet): a machine under load stretches wall time, not the loop's work.
    const probes: { wallMs: number; cpuMs: number }[] = [];
    while (replaying) {
      const tries = [
        await timedGet(health, agent),
        await timedGet(health, agent),
        await timedGet(health, agent),
      ];
      probes.push(tries.reduce((best, next) => (next.cpuMs < best.cpuMs ? next : best)));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const results = await replays;
    agent.destroy();
    for (const result of results) {
      expect(result.status).toBe(200);
      expect(result.frames).toBe(history.eventCount);
      expect(result.last).toContain('event: task.finished');
    }
    expect(probes.length).toBeGreaterThanOrEqual(5);
    const slowest = Math.max(...probes.map((probe) => probe.cpuMs));
    const wall = Math.max(...probes.map((probe) => probe.wallMs));
    console.log(
      `/healthz during the replay: slowest probe ${slowest.toFixed(1)} ms CPU, ${wall.toFixed(1)} ms wall`,
    );
    expect(slowest).toBeLessThan(100);
  }, 120_000);
});

describe('caps on open event streams', () => {
  it('refuses a stream over the per-token cap and over the total with 429 naming the cap', async () => {
    server = await startTestServer({ server: { streamCaps: { maxStreamsPerToken: 2, maxStreams: 3 } } });
    // Tasks that stay unfinished (nobody runs them): their streams stay open.
    const rootTask = makeTask();
    await server.app.store.createTask(createdEvent(rootTask));
    const submitted = await server.call('/tasks?wait=false', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'a short task' }),
    });
    const { id } = (await submitted.json()) as { id: string };
    const owner = (await server.app.store.getTask(id))!.owner;
    const aliceTask = makeTask({ owner });
    await server.app.store.createTask(createdEvent(aliceTask));

    const root = { authorization: `Bearer ${server.tokens.root}` };
    const alice = { authorization: `Bearer ${server.tokens.alice}` };
    const open = [
      await openSse(`${server.url}/tasks/${rootTask.id}/events`, root),
      await openSse(`${server.url}/tasks/${rootTask.id}/events`, root),
    ];
    expect(open.map((stream) => stream.status)).toEqual([200, 200]);
    const third = await server.call(`/tasks/${rootTask.id}/events`, { token: server.tokens.root });
    expect(third.status).toBe(429);
    expect(await third.json()).toEqual({
      error: {
        code: 'LIMIT_EXCEEDED',
        message: 'max_streams_per_token (2) reached',
        limit: { name: 'max_streams_per_token', value: 2 },
      },
    });
    open.push(await openSse(`${server.url}/tasks/${aliceTask.id}/events`, alice));
    expect(open[2]!.status).toBe(200);
    const overTotal = await server.call(`/tasks/${aliceTask.id}/events`);
    expect(overTotal.status).toBe(429);
    expect(((await overTotal.json()) as { error: { limit: unknown } }).error.limit).toEqual({
      name: 'max_streams',
      value: 3,
    });
    // A stream that ends gives its place back.
    open[0]!.close();
    await expect
      .poll(async () => {
        const again = await openSse(`${server!.url}/tasks/${aliceTask.id}/events`, alice);
        again.close();
        return again.status;
      })
      .toBe(200);
    for (const stream of open) stream.close();
  });
});

describe('a revoked token', () => {
  it.each([
    ['a task event stream', (id: string) => `/tasks/${id}/events`, 'task.created'],
    ['the task-list stream', () => '/tasks/stream', 'snapshot'],
  ])('ends %s with an UNAUTHORIZED error event', async (_name, path, first) => {
    server = await startTestServer({ server: { streamAuthCheckMs: 50 } });
    const task = makeTask();
    await server.app.store.createTask(createdEvent(task));
    const stream = await openSse(`${server.url}${path(task.id)}`, {
      authorization: `Bearer ${server.tokens.root}`,
    });
    expect(stream.status).toBe(200);
    const seen: string[] = [];
    const reading = (async () => {
      for await (const item of stream.items) {
        if (item.kind === 'frame') seen.push(`${item.frame.event}:${item.frame.data}`);
      }
    })();
    await expect.poll(() => seen.length).toBe(1);
    expect(seen[0]!.startsWith(`${first}:`)).toBe(true);
    expect(await server.tokenStore.remove('root')).toBe(true);
    await reading; // the server ends the stream
    expect(seen.at(-1)).toBe('error:{"error":{"code":"UNAUTHORIZED","message":"the token was revoked"}}');
    delete server.tokens.root;
  });
});
