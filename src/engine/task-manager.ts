// The task manager: the library API (TaskService) over a store, a ledger and providers.
// It creates tasks, runs each under an execution lease with a TaskRunner, streams stored
// events to readers, cancels, and resumes interrupted tasks (the same code for
// `symbiont resume` and server start).

import { hostname } from 'node:os';
import { SymbiontError } from '../core/errors.js';
import type { TaskEvent } from '../core/events.js';
import type { PlanEstimate } from '../core/plan-estimate.js';
import type { PlanInput } from '../core/plan-schema.js';
import type { ValidatedPlan } from '../core/plan-validation.js';
import { isFinalTaskStatus, type Subtask, type Task, type TaskSettings } from '../core/records.js';
import { resolveRetryPolicy } from '../core/retry-policy.js';
import { DEFAULT_TASK_SETTINGS, resolveTaskSettings } from '../core/task-settings.js';
import type { CallExecutor } from '../ports/call-executor.js';
import type { Clock } from '../ports/clock.js';
import type { ModelProvider } from '../ports/model-provider.js';
import type { TaskStore } from '../ports/task-store.js';
import { Admission } from './admission.js';
import { type ApproveDeps, approveTask, previewEdit } from './approve-task.js';
import { EventBus } from './event-bus.js';
import { taskEventStream } from './event-stream.js';
import { createInProcessExecutor } from './in-process-executor.js';
import { LeaseKeeper } from './lease-keeper.js';
import { type PlanOnlyDeps, planOnly } from './plan-only.js';
import { cancelStoredTask, requestRemoteCancel } from './remote-cancel.js';
import { ResumeQueue } from './resume-queue.js';
import { type ResumeDeps, resumeStoredTask } from './resume-task.js';
import { type RetryStartDeps, retryFinishedTask } from './retry-start.js';
import { modelsOf } from './review.js';
import { type RunnerStartDeps, type Running, startRunner } from './runner-start.js';
import { SlotPool } from './slot-pool.js';
import { type SubmitDeps, submitTask } from './submit-task.js';
import type { TaskManagerOptions } from './task-manager-options.js';
import type {
  ApproveInput,
  EventStreamOptions,
  RetryReceipt,
  SubmitInput,
  SubmitReceipt,
  TaskService,
} from './task-service.js';

export type { TaskManagerOptions } from './task-manager-options.js';

/** What the manager's modules are handed: its ports, lease keeper, runs, and how to start one. */
type ManagerParts = SubmitDeps & ApproveDeps & ResumeDeps & RetryStartDeps & PlanOnlyDeps & RunnerStartDeps;

export class TaskManager implements TaskService {
  readonly bus = new EventBus();
  private readonly store: TaskStore;
  private readonly clock: Clock;
  private readonly leases: LeaseKeeper;
  private readonly running = new Map<string, Running>();
  private readonly resumes: ResumeQueue;
  private readonly parts: ManagerParts;
  private closed = false;

  constructor(private readonly options: TaskManagerOptions) {
    const { store, clock, entropy } = options;
    this.store = store;
    this.clock = clock;
    const defaults = resolveTaskSettings(options.defaults, DEFAULT_TASK_SETTINGS);
    const pool = new SlotPool(options.globalConcurrency ?? 16);
    const retry = resolveRetryPolicy(options.retry);
    this.leases = new LeaseKeeper({
      store,
      clock,
      holder: options.leaseHolder ?? `${hostname()}:${process.pid}:${entropy.uuid()}`,
      ttlMs: options.leaseTtlMs ?? 30_000,
      ...(options.isLeaseHolderGone ? { isHolderGone: options.isLeaseHolderGone } : {}),
    });
    this.resumes = new ResumeQueue(options.resumeBatchSize ?? 8, (taskId) => this.resumeTask(taskId));
    const admission = options.limits
      ? new Admission(options.limits, store, () => this.openTasks())
      : undefined;
    const maxOutputTokens = options.maxOutputTokens ?? 4096;
    const executorFor = (provider: ModelProvider): CallExecutor =>
      (options.executorFor ?? createInProcessExecutor)(provider, clock);
    this.parts = {
      options,
      store,
      bus: this.bus,
      clock,
      entropy,
      leases: this.leases,
      defaults,
      admission,
      pool,
      retry,
      resumes: this.resumes,
      running: this.running,
      maxOutputTokens,
      plannedSubtasksLimit: plannedSubtasksLimit(options.maxPlannedSubtasks, admission?.maxPlanSubtasks),
      executorFor,
      estimateSources: (settings) => {
        const provider = options.providers(settings.provider);
        return { provider, modelFor: modelsOf(settings, provider), maxOutputTokens };
      },
      isClosed: () => this.closed,
      startRun: (task, provider, resumed, planning) =>
        startRunner(this.parts, task, provider, resumed, planning),
    };
  }

  /** Tasks open in this process: running, or waiting for a resume place (record not read yet). */
  private *openTasks(): Iterable<{ owner: string | null; task?: Task }> {
    for (const { runner } of this.running.values()) yield { owner: runner.task.owner, task: runner.task };
    for (const _taskId of this.resumes.pending()) yield { owner: null };
  }

  /** Ids of tasks this process is executing right now. */
  runningTaskIds(): string[] {
    return [...this.running.keys()];
  }

  async submitTask(input: SubmitInput): Promise<SubmitReceipt> {
    if (this.closed) throw new SymbiontError('CONFLICT', 'the task manager is shutting down');
    return submitTask(this.parts, input);
  }

  /**
   * Plans a prompt without running it (`symbiont plan`), routed and estimated as a review
   * would. The planning calls are ledgered under a `plan-<uuid>` id; nothing is stored as a task.
   */
  async planOnly(
    prompt: string,
    overrides: Partial<TaskSettings> = {},
  ): Promise<ValidatedPlan & { cost: number; estimate: PlanEstimate; routed: Subtask[] }> {
    if (!prompt.trim()) throw new SymbiontError('INVALID_ARGUMENT', 'the prompt is empty');
    return planOnly(this.parts, prompt, resolveTaskSettings(overrides, this.parts.defaults));
  }

  async approveTask(taskId: string, input: ApproveInput = {}): Promise<SubmitReceipt> {
    if (this.closed) throw new SymbiontError('CONFLICT', 'the task manager is shutting down');
    return approveTask(this.parts, taskId, input);
  }

  /**
   * What approving `taskId` with the edited `plan` would run: its routed subtasks and their
   * estimate, without approving (the CLI's edit loop shows it). Plan errors as approveTask's.
   */
  previewEdit(taskId: string, plan: PlanInput): Promise<{ subtasks: Subtask[]; estimate: PlanEstimate }> {
    return previewEdit(this.parts, taskId, plan);
  }

  getTaskProgress(taskId: string): Promise<Task | undefined> {
    return this.store.getTask(taskId);
  }

  async getTaskOwner(taskId: string): Promise<string | null | undefined> {
    try {
      const [created] = await this.store.readEvents(taskId, 0, 1);
      return created?.type === 'task.created' ? created.task.owner : undefined;
    } catch (error) {
      if (SymbiontError.is(error, 'NOT_FOUND')) return undefined;
      throw error;
    }
  }

  listRecentTasks(limit = 20, owner?: string | null) {
    return this.store.listTasks({ limit, ...(owner === undefined ? {} : { owner }) });
  }

  async cancelTask(taskId: string): Promise<Task | undefined> {
    const running = this.running.get(taskId);
    if (running) {
      running.runner.cancel();
      await running.done;
      return this.store.getTask(taskId);
    }
    const task = await this.store.getTask(taskId);
    if (!task || isFinalTaskStatus(task.status)) return task;
    if (!(await this.leases.take(taskId))) {
      return requestRemoteCancel(this.store, this.clock, taskId, {
        waitMs: this.options.cancelWaitMs ?? 30_000,
        pollMs: this.options.pollIntervalMs ?? 250,
      });
    }
    try {
      this.bus.publish(await cancelStoredTask(this.store, this.clock, task));
    } finally {
      await this.leases.release(taskId);
    }
    return this.store.getTask(taskId);
  }

  events(taskId: string, options: EventStreamOptions = {}): AsyncGenerator<TaskEvent> {
    return taskEventStream(
      {
        store: this.store,
        bus: this.bus,
        clock: this.clock,
        runsHere: (id) => this.running.has(id),
        pollIntervalMs: this.options.pollIntervalMs ?? 250,
      },
      taskId,
      options,
    );
  }

  async waitForTask(taskId: string, signal?: AbortSignal): Promise<Task> {
    const running = this.running.get(taskId);
    if (running) {
      const task = await running.done;
      const fatal = running.runner.fatal;
      if (fatal) throw fatal;
      return (await this.store.getTask(taskId)) ?? task;
    }
    for await (const _event of this.events(taskId, signal ? { signal } : {})) {
      // Drain until task.finished.
    }
    const task = await this.store.getTask(taskId);
    if (!task) throw new SymbiontError('NOT_FOUND', `no task ${taskId}`);
    return task;
  }

  /**
   * Resumes interrupted tasks in batches (resumeBatchSize at once; the others start as those
   * end). Returns the ids started now.
   */
  async resumeInterrupted(): Promise<string[]> {
    return this.resumes.add(await this.store.listUnfinished());
  }

  /**
   * Resumes one unfinished task unless another live process holds its lease. True when this
   * process runs it now (already did, or just took it over); false when it is final or held.
   */
  resumeTask(taskId: string): Promise<boolean> {
    return resumeStoredTask(this.parts, taskId);
  }

  /**
   * Runs a finished task again (SPEC §12) under its lease, as resume takes it: failed, skipped
   * and cancelled subtasks, or `subtasks` with their dependents. Resolves once the retry is
   * stored and the run started.
   */
  async retryTask(taskId: string, subtasks: readonly number[] = []): Promise<RetryReceipt> {
    if (this.closed) throw new SymbiontError('CONFLICT', 'the task manager is shutting down');
    return retryFinishedTask(this.parts, taskId, subtasks);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.resumes.clear();
    const runs = [...this.running.values()];
    for (const run of runs) run.runner.detach();
    await Promise.allSettled(runs.map((run) => run.done));
  }
}

/** The planner's bound: the manager's own, lowered to the operator's max_plan_subtasks. */
function plannedSubtasksLimit(
  own: number | undefined,
  operator: number | undefined,
): { maxPlannedSubtasks?: number } {
  const limits = [own, operator].filter((limit): limit is number => limit !== undefined);
  return limits.length === 0 ? {} : { maxPlannedSubtasks: Math.min(...limits) };
}

export function createTaskManager(options: TaskManagerOptions): TaskManager {
  return new TaskManager(options);
}
