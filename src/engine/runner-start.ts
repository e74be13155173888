/**
 * Starts a task's runner for the TaskManager: keeps its lease, watches for remote cancels, and
 * when the run ends stops those timers, records a clean detach, releases the lease and wakes streams.
 */
import { toSymbiontError } from '../core/errors.js';
import { isFinalTaskStatus, type Task } from '../core/records.js';
import type { RetryPolicy } from '../core/retry-policy.js';
import type { CallExecutor } from '../ports/call-executor.js';
import type { Clock, Entropy, Timer } from '../ports/clock.js';
import type { ModelProvider } from '../ports/model-provider.js';
import type { TaskStore } from '../ports/task-store.js';
import type { EventBus } from './event-bus.js';
import type { LeaseKeeper } from './lease-keeper.js';
import { watchCancelRequests } from './remote-cancel.js';
import type { ResumeQueue } from './resume-queue.js';
import type { SlotPool } from './slot-pool.js';
import type { TaskManagerOptions } from './task-manager-options.js';
import { TaskRunner } from './task-runner.js';
import type { TaskRunnerOptions } from './task-runner-options.js';

export interface Running {
  runner: TaskRunner;
  done: Promise<Task>;
}

export type RunnerPlanning = Pick<
  TaskRunnerOptions,
  'plan' | 'planAttemptsBefore' | 'review' | 'synthesisAttemptsBefore'
>;

/** Starts the run of a task whose lease this process holds (the manager's `start`). */
export type StartRun = (
  task: Task,
  provider: ModelProvider,
  resumed: boolean,
  planning?: RunnerPlanning,
) => TaskRunner;

export interface RunnerStartDeps {
  store: TaskStore;
  bus: EventBus;
  clock: Clock;
  entropy: Entropy;
  pool: SlotPool;
  retry: RetryPolicy;
  leases: LeaseKeeper;
  resumes: ResumeQueue;
  running: Map<string, Running>;
  options: TaskManagerOptions;
  /** Where a task's model calls run (one executor per run). */
  executorFor(provider: ModelProvider): CallExecutor;
  plannedSubtasksLimit: { maxPlannedSubtasks?: number };
  /** Whether the manager is closing (a stop then is a clean detach). */
  isClosed: () => boolean;
}

export function startRunner(
  deps: RunnerStartDeps,
  task: Task,
  provider: ModelProvider,
  resumed: boolean,
  planning: RunnerPlanning = {},
): TaskRunner {
  const { store, bus, clock, leases, options } = deps;
  const executor = deps.executorFor(provider);
  const runner = new TaskRunner({
    task,
    store,
    bus,
    provider,
    executor,
    ledger: options.ledger,
    clock,
    entropy: deps.entropy,
    pool: deps.pool,
    retry: deps.retry,
    resumed,
    maxOutputTokens: options.maxOutputTokens ?? 4096,
    ...deps.plannedSubtasksLimit,
    ...planning,
    ...(options.estimateDuration ? { estimateDuration: options.estimateDuration } : {}),
  });
  const timers: Timer[] = [
    leases.keep(task.id, () => {
      runner.leaseLost = true;
      runner.detach();
    }),
    // Another process cancels this task by storing `task.cancel_requested`.
    watchCancelRequests(store, clock, task.id, options.cancelPollMs ?? 500, () => runner.cancel()),
  ];
  const done = runner
    .run()
    .catch((error: unknown) => {
      throw toSymbiontError(error);
    })
    .finally(async () => {
      for (const timer of timers) timer.cancel();
      deps.running.delete(task.id);
      // Stopped by close (not by a lost lease) and left resumable: a clean stop, not a crash.
      if (deps.isClosed() && !isFinalTaskStatus(runner.task.status) && !runner.leaseLost) {
        await store
          .appendEvents(task.id, [
            { type: 'task.detached', task_id: task.id, at: new Date(clock.now()).toISOString() },
          ])
          .catch(() => undefined);
      }
      await leases.release(task.id).catch(() => undefined);
      deps.resumes.ended(task.id);
      bus.runEnded(task.id);
    });
  done.catch(() => undefined);
  deps.running.set(task.id, { runner, done });
  return runner;
}
