// GET /tasks/stream: the caller's task list as server-sent events, so the dashboard learns of
// new tasks and status changes without polling. First a `snapshot` (the recent summaries, as
// GET /tasks answers), then a `task` frame with a task's new summary whenever its status,
// subtask count, completed count or cost changes. Fed by every task's events on the engine's
// bus; a token sees only its own tasks, an admin every task. No replay: a reconnecting client
// gets a fresh snapshot.

import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { TaskEvent, TaskEventType } from '../core/events.js';
import { summarizeTask, type Task, type TaskSummary } from '../core/records.js';
import { canSee, listFilterOf, type Principal } from './auth.js';
import { toErrorReply } from './errors.js';
import { SSE_HEADERS } from './sse.js';
import { type StreamEnd, StreamLife, type StreamLifeOptions } from './stream-life.js';

/** Events that can change a task's summary; the others (routing, queueing, output) cannot. */
const SUMMARY_EVENTS: ReadonlySet<TaskEventType> = new Set<TaskEventType>([
  'task.created',
  'task.planned',
  'subtask.planned',
  'task.plan_attempted',
  'task.replanning',
  'task.started',
  'task.answered',
  'task.retried',
  'task.finished',
  'subtask.attempt_failed',
  'subtask.completed',
]);

export interface TaskListStreamOptions extends StreamLifeOptions {
  response: ServerResponse;
  principal: Principal;
  /** How many recent tasks the snapshot holds. */
  limit: number;
  listRecentTasks(limit: number, owner?: string): Promise<TaskSummary[]>;
  /** The current record of a task (the server's read cache). */
  readTask(taskId: string): Promise<Task | undefined>;
  /** Subscribes to every task's stored events; returns the unsubscribe function. */
  observeEvents(listener: (event: TaskEvent) => void): () => void;
  /** How long changes are gathered before they are sent, in ms. Default 200. */
  flushMs?: number;
  onError?: (error: unknown) => void;
}

/** Whether an Accept header names text/event-stream (a wildcard does not: the stream never ends). */
export function acceptsEventStream(accept: string | undefined): boolean {
  return /(^|,)\s*text\/event-stream\s*(;|,|$)/i.test(accept ?? '');
}

/** One SSE frame; JSON has no raw newline, so `data` is one line. */
function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Streams the task list until the client leaves, the server shuts down or the token is revoked. */
export async function streamTaskList(options: TaskListStreamOptions): Promise<StreamEnd> {
  const { response, principal } = options;
  const life = new StreamLife(response, options);
  let wake: (() => void) | undefined;
  life.signal.addEventListener('abort', () => wake?.(), { once: true });

  /** Owner of each task seen, so another owner's events cost no read after the first. */
  const owners = new Map<string, string | null>();
  /** Tasks whose summary must be read again before the next flush. */
  const dirty = new Set<string>();
  /** The JSON last sent per task: an unchanged summary is not sent twice. */
  const sent = new Map<string, string>();

  const send = (summary: TaskSummary): void => {
    const json = JSON.stringify(summary);
    if (response.destroyed || response.writableEnded || sent.get(summary.id) === json) return;
    sent.set(summary.id, json);
    response.write(`event: task\ndata: ${json}\n\n`);
  };

  const unsubscribe = options.observeEvents((event) => {
    if (!SUMMARY_EVENTS.has(event.type)) return;
    if (event.type === 'task.created') owners.set(event.task_id, event.task.owner);
    const owner = owners.get(event.task_id);
    if (owner !== undefined && !canSee(principal, owner)) return;
    dirty.add(event.task_id);
    wake?.();
  });
  try {
    response.writeHead(200, SSE_HEADERS);
    response.write('retry: 2000\n\n');
    const snapshot = await options.listRecentTasks(options.limit, listFilterOf(principal));
    for (const summary of snapshot) sent.set(summary.id, JSON.stringify(summary));
    response.write(frame('snapshot', { tasks: snapshot }));
    while (!life.signal.aborted) {
      if (dirty.size === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        continue;
      }
      // Gather what else changes meanwhile, then read each changed task once.
      await new Promise((resolve) => setTimeout(resolve, options.flushMs ?? 200));
      const ids = [...dirty];
      dirty.clear();
      for (const id of ids) {
        if (life.signal.aborted) break;
        const task = await options.readTask(id);
        if (task === undefined) continue;
        owners.set(id, task.owner);
        if (!canSee(principal, task.owner)) continue;
        send(summarizeTask(task));
        if (task.completed_at !== null) owners.delete(id);
      }
      if (response.writableNeedDrain) {
        await Promise.race([once(response, 'drain'), once(life.signal, 'abort')]);
      }
    }
  } catch (error) {
    if (!life.signal.aborted) {
      life.end('failed');
      options.onError?.(error);
      const reply = toErrorReply(error);
      life.write(frame('error', { error: { code: reply.code, message: reply.message } }));
    }
  } finally {
    unsubscribe();
    life.close();
  }
  return life.ending;
}
