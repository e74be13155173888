// Server-sent events for one task: its stored events after Last-Event-ID, then live ones, each
// as `id: <seq>`, `event: <type>`, `data: <json>`; comment heartbeats keep proxies from timing
// out; the stream ends after task.finished. A client that goes away aborts the iteration.
// A long replay draws on the server's TurnBudget (turn-budget.ts): other requests, /healthz
// among them, are answered between turns however many streams replay; a slow reader's socket
// is waited for; a stream whose token was revoked ends within `authCheckMs`.

import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { TaskEvent } from '../core/events.js';
import { toErrorReply } from './errors.js';
import { type StreamEnd, StreamLife, type StreamLifeOptions } from './stream-life.js';
import type { TurnBudget } from './turn-budget.js';

export interface SseStreamOptions extends StreamLifeOptions {
  response: ServerResponse;
  /** The events to send; must stop when `signal` aborts. */
  events: (signal: AbortSignal) => AsyncIterable<TaskEvent>;
  /** Told about a failure of the event source (the client gets an `error` event). */
  onError?: (error: unknown) => void;
  /** The server's budget of replay work per turn of the event loop. Default: unpaced. */
  budget?: TurnBudget;
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

// A stored event never changes, and (task_id, seq) names it: with many subscribers to one task,
// each frame is serialized once, not once per subscriber. Bounded, oldest out first.
const FRAME_CACHE_SIZE = 5000;
const frames = new Map<string, string>();

/** One SSE frame. JSON never contains a raw newline, so `data` is one line. */
export function formatEvent(event: TaskEvent): string {
  const key = `${event.seq}:${event.task_id}`;
  let frame = frames.get(key);
  if (frame === undefined) {
    frame = `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
    frames.set(key, frame);
    if (frames.size > FRAME_CACHE_SIZE) frames.delete(frames.keys().next().value as string);
  }
  return frame;
}

/** Streams until the task's final event, the client leaving, shutdown or a revoked token. */
export async function streamEvents(options: SseStreamOptions): Promise<StreamEnd> {
  const { response } = options;
  const life = new StreamLife(response, options);
  try {
    response.writeHead(200, SSE_HEADERS);
    // Tells EventSource how soon to reconnect, and flushes the headers at once.
    response.write('retry: 2000\n\n');
    for await (const event of options.events(life.signal)) {
      if (life.signal.aborted) break;
      const frame = formatEvent(event);
      if (!response.write(frame)) {
        // `signal` removes the listeners once either happens (no listener left per wait).
        await once(response, 'drain', { signal: life.signal }).catch(() => undefined);
      }
      // A socket that drains at once resumes the loop in a microtask: only the budget's turns
      // let other requests in.
      const turn = options.budget?.charge(frame.length);
      if (turn) await turn;
    }
  } catch (error) {
    if (life.signal.aborted) return life.ending;
    life.end('failed');
    options.onError?.(error);
    const reply = toErrorReply(error);
    life.write(
      `event: error\ndata: ${JSON.stringify({ error: { code: reply.code, message: reply.message } })}\n\n`,
    );
  } finally {
    life.close();
  }
  return life.ending;
}
