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
import { watchRevocation } from './revocation-watch.js';
import type { TurnBudget } from './turn-budget.js';

export interface SseStreamOptions {
  response: ServerResponse;
  /** The events to send; must stop when `signal` aborts. */
  events: (signal: AbortSignal) => AsyncIterable<TaskEvent>;
  /** Milliseconds between heartbeat comments. */
  heartbeatMs: number;
  /** Aborts every stream when the server shuts down. */
  shutdown: AbortSignal;
  /** Told about a failure of the event source (the client gets an `error` event). */
  onError?: (error: unknown) => void;
  /** Whether the caller's token is still valid; checked every `authCheckMs`. Default: always. */
  authorized?: () => Promise<boolean>;
  /** Milliseconds between `authorized` checks. Default 5,000. */
  authCheckMs?: number;
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

/** Why a stream ended. */
export type StreamEnd = 'finished' | 'client-gone' | 'shutdown' | 'failed' | 'revoked';

/** Streams until the task's final event, the client leaving, or shutdown. */
export async function streamEvents(options: SseStreamOptions): Promise<StreamEnd> {
  const { response } = options;
  const controller = new AbortController();
  let ending: StreamEnd = 'finished';
  const clientGone = () => {
    if (!controller.signal.aborted) ending = 'client-gone';
    controller.abort();
  };
  const shutdown = () => {
    if (!controller.signal.aborted) ending = 'shutdown';
    controller.abort();
  };
  response.on('close', clientGone);
  options.shutdown.addEventListener('abort', shutdown);
  const heartbeat = setInterval(() => {
    if (!response.writableEnded) response.write(': heartbeat\n\n');
  }, options.heartbeatMs);
  const stopWatch =
    options.authorized === undefined
      ? undefined
      : watchRevocation({
          response,
          authorized: options.authorized,
          everyMs: options.authCheckMs ?? 5000,
          onRevoked: () => {
            if (controller.signal.aborted) return;
            ending = 'revoked';
            controller.abort();
          },
        });
  try {
    response.writeHead(200, SSE_HEADERS);
    // Tells EventSource how soon to reconnect, and flushes the headers at once.
    response.write('retry: 2000\n\n');
    for await (const event of options.events(controller.signal)) {
      if (controller.signal.aborted) break;
      const frame = formatEvent(event);
      if (!response.write(frame)) {
        // `signal` removes the listeners once either happens (no listener left per wait).
        await once(response, 'drain', { signal: controller.signal }).catch(() => undefined);
      }
      // A socket that drains at once resumes the loop in a microtask: only the budget's turns
      // let other requests in.
      const turn = options.budget?.charge(frame.length);
      if (turn) await turn;
    }
  } catch (error) {
    if (controller.signal.aborted) return ending;
    ending = 'failed';
    options.onError?.(error);
    if (!response.writableEnded) {
      const reply = toErrorReply(error);
      response.write(
        `event: error\ndata: ${JSON.stringify({ error: { code: reply.code, message: reply.message } })}\n\n`,
      );
    }
  } finally {
    clearInterval(heartbeat);
    stopWatch?.();
    response.off('close', clientGone);
    options.shutdown.removeEventListener('abort', shutdown);
    if (!response.writableEnded) response.end();
  }
  return ending;
}
