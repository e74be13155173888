/**
 * Retries a finished task (SPEC §12) under its lease, as resume takes it: checks it has
 * finished, prepares the retry, and starts the run; the lease is released if it does not start.
 */
import { SymbiontError } from '../core/errors.js';
import { isFinalTaskStatus } from '../core/records.js';
import type { Clock } from '../ports/clock.js';
import type { TaskStore } from '../ports/task-store.js';
import type { EventBus } from './event-bus.js';
import type { LeaseKeeper } from './lease-keeper.js';
import { prepareRetry } from './retry-task.js';
import type { Running, StartRun } from './runner-start.js';
import type { TaskManagerOptions } from './task-manager-options.js';
import type { RetryReceipt } from './task-service.js';

export interface RetryStartDeps {
  store: TaskStore;
  bus: EventBus;
  clock: Clock;
  leases: LeaseKeeper;
  options: Pick<TaskManagerOptions, 'providers'>;
  running: ReadonlyMap<string, Running>;
  startRun: StartRun;
}

export async function retryFinishedTask(
  deps: RetryStartDeps,
  taskId: string,
  subtasks: readonly number[],
): Promise<RetryReceipt> {
  const notFinished = () =>
    new SymbiontError('CONFLICT', `task ${taskId} has not finished: it cannot be retried`);
  if (deps.running.has(taskId)) throw notFinished();
  const stored = await deps.store.getTask(taskId);
  if (!stored) throw new SymbiontError('NOT_FOUND', `no task ${taskId}`, { context: { taskId } });
  if (!isFinalTaskStatus(stored.status)) throw notFinished();
  if (!(await deps.leases.take(taskId))) throw notFinished();
  let started = false;
  try {
    // Read again under the lease: another retry may have started it meanwhile.
    const task = await deps.store.getTask(taskId);
    if (!task || deps.running.has(taskId)) throw notFinished();
    const provider = deps.options.providers(task.settings.provider);
    const retry = await prepareRetry(deps.store, deps.bus, deps.clock, task, subtasks);
    const status = retry.task.status;
    deps.startRun(retry.task, provider, false, {
      ...(retry.plan ? { plan: retry.plan } : {}),
      ...(retry.planAttemptsBefore ? { planAttemptsBefore: retry.planAttemptsBefore } : {}),
      ...(retry.synthesisAttemptsBefore ? { synthesisAttemptsBefore: retry.synthesisAttemptsBefore } : {}),
    });
    started = true;
    return { id: taskId, status, retried: retry.indexes, seq: retry.seq };
  } finally {
    if (!started) await deps.leases.release(taskId);
  }
}
