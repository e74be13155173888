// The task manager: the library API (TaskService) over a store, a ledger and providers.
// It creates tasks, runs each under an execution lease with a TaskRunner, streams stored
// events to readers, cancels, and resumes interrupted tasks (the same code for
// `symbiont resume` and server start).

import { hostname } from 'node:os';
import { SymbiontError } from '../core/errors.js';
import type { TaskEvent } from '../core/events.js';
import type { PlanEstimate } from '../core/plan-estimate.js';
import type { PlanInput } from '../core/plan-schema.js';
import { type ValidatedPlan, validatePlan } from '../core/plan-validation.js';
import {
  isFinalTaskStatus,
  isResumableTaskStatus,
  newTaskRecord,
  type Subtask,
  type Task,
  type TaskSettings,
} from '../core/records.js';
import { type RetryPolicy, resolveRetryPolicy } from '../core/retry-policy.js';
import { DEFAULT_TASK_SETTINGS, resolveTaskSettings } from '../core/task-settings.js';
import type { CallExecutor } from '../ports/call-executor.js';
import type { Clock, Entropy } from '../ports/clock.js';
import type { ModelProvider } from '../ports/model-provider.js';
import type { TaskStore } from '../ports/task-store.js';
import { Admission } from './admission.js';
import { interruptionsOf, setAside } from './crash-guard.js';
import { EventBus } from './event-bus.js';
import { taskEventStream } from './event-stream.js';
import { createInProcessExecutor } from './in-process-executor.js';
import { LeaseKeeper } from './lease-keeper.js';
import { planOnly } from './plan-only.js';
import { interruptedPlanning } from './plan-task.js';
import { cancelStoredTask, requestRemoteCancel } from './remote-cancel.js';
import { ResumeQueue } from './resume-queue.js';
import { retryFinishedTask } from './retry-start.js';
import { approvalBody, awaitingApproval, type EstimateSources, modelsOf, storeApproval } from './review.js';
import { type RunnerPlanning, type RunnerStartDeps, type Running, startRunner } from './runner-start.js';
import { SlotPool } from './slot-pool.js';
import type { TaskManagerOptions } from './task-manager-options.js';
import type { TaskRunner } from './task-runner.js';
import type {
  ApproveInput,
  EventStreamOptions,
  RetryReceipt,
  SubmitInput,
  SubmitReceipt,
  TaskService,
} from './task-service.js';

export type { TaskManagerOptions } from './task-manager-options.js';

export class TaskManager implements TaskService {
  readonly bus = new EventBus();
  private readonly store: TaskStore;
  private readonly clock: Clock;
  private readonly entropy: Entropy;
  private readonly defaults: TaskSettings;
  private readonly pool: SlotPool;
  private readonly retry: RetryPolicy;
  private readonly leases: LeaseKeeper;
  private readonly running = new Map<string, Running>();
  private readonly admission: Admission | undefined;
  private readonly resumes: ResumeQueue;
  private closed = false;

  constructor(private readonly options: TaskManagerOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.entropy = options.entropy;
    this.defaults = resolveTaskSettings(options.defaults, DEFAULT_TASK_SETTINGS);
    this.pool = new SlotPool(options.globalConcurrency ?? 16);
    this.retry = resolveRetryPolicy(options.retry);
    this.leases = new LeaseKeeper({
      store: this.store,
      clock: this.clock,
      holder: options.leaseHolder ?? `${hostname()}:${process.pid}:${this.entropy.uuid()}`,
      ttlMs: options.leaseTtlMs ?? 30_000,
      ...(options.isLeaseHolderGone ? { isHolderGone: options.isLeaseHolderGone } : {}),
    });
    this.resumes = new ResumeQueue(options.resumeBatchSize ?? 8, (taskId) => this.resumeTask(taskId));
    if (options.limits) {
      this.admission = new Admission(options.limits, this.store, () => this.openTasks());
    }
  }

  /** The planner's bound: the manager's own, lowered to the operator's max_plan_subtasks. */
  private plannedSubtasksLimit(): { maxPlannedSubtasks?: number } {
    const limits = [this.options.maxPlannedSubtasks, this.admission?.maxPlanSubtasks].filter(
      (limit): limit is number => limit !== undefined,
    );
    return limits.length === 0 ? {} : { maxPlannedSubtasks: Math.min(...limits) };
  }

  /** Tasks open in this process: running, or waiting for a resume place (record not read yet). */
  private *openTasks(): Iterable<{ owner: string | null; task?: Task }> {
    for (const { runner } of this.running.values()) yield { owner: runner.task.owner, task: runner.task };
    for (const _taskId of this.resumes.pending()) yield { owner: null };
  }

  private get maxOutputTokens(): number {
    return this.options.maxOutputTokens ?? 4096;
  }

  private executorFor(provider: ModelProvider): CallExecutor {
    return (this.options.executorFor ?? createInProcessExecutor)(provider, this.clock);
  }

  /** Ids of tasks this process is executing right now. */
  runningTaskIds(): string[] {
    return [...this.running.keys()];
  }

  async submitTask(input: SubmitInput): Promise<SubmitReceipt> {
    if (this.closed) throw new SymbiontError('CONFLICT', 'the task manager is shutting down');
    const plan = input.plan === undefined ? undefined : validatePlan(input.plan);
    const prompt = (input.prompt ?? planPrompt(input.plan) ?? '').trim();
    if (!prompt && !plan) throw new SymbiontError('INVALID_ARGUMENT', 'a task needs a prompt or a plan');
    const owner = input.owner ?? null;
    const admitted = await this.admission?.admit(
      owner,
      input.settings ?? {},
      this.defaults,
      plan?.subtasks.length ?? 0,
      this.clock.now(),
    );
    try {
      return await this.createAndStart(input, admitted?.settings ?? input.settings, plan, prompt);
    } finally {
      admitted?.release();
    }
  }

  private async createAndStart(
    input: SubmitInput,
    overrides: Partial<TaskSettings> | undefined,
    plan: ValidatedPlan | undefined,
    prompt: string,
  ): Promise<SubmitReceipt> {
    const settings = resolveTaskSettings(overrides, this.defaults);
    const provider = this.options.providers(settings.provider);
    const now = new Date(this.clock.now()).toISOString();
    const task = newTaskRecord({
      id: `compound-${this.entropy.uuid()}`,
      prompt: prompt || `plan of ${plan?.subtasks.length ?? 0} subtasks`,
      createdAt: now,
      settings,
      owner: input.owner ?? null,
    });
    const review = input.review === true;
    await this.store.createTask({
      type: 'task.created',
      task: structuredClone(task),
      ...(plan ? { plan } : {}),
      ...(review ? { review } : {}),
      task_id: task.id,
      at: now,
    });
    if (!(await this.leases.acquire(task.id))) {
      throw new SymbiontError('CONFLICT', `task ${task.id} is leased by another process`);
    }
    const runner = this.start(task, provider, false, { review, ...(plan ? { plan } : {}) });
    if ((input.waitFor ?? 'planned') === 'created') {
      return { id: task.id, status: 'planning', subtask_count: 0 };
    }
    await runner.planned;
    const status = runner.task.status;
    const failedEarly = isFinalTaskStatus(status) || status === 'awaiting_approval';
    return {
      id: task.id,
      status: failedEarly ? status : 'planned',
      subtask_count: runner.task.subtasks.length,
    };
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
    return planOnly(
      {
        options: this.options,
        clock: this.clock,
        entropy: this.entropy,
        retry: this.retry,
        maxOutputTokens: this.maxOutputTokens,
        plannedSubtasksLimit: this.plannedSubtasksLimit(),
        executorFor: (provider) => this.executorFor(provider),
        estimateSources: (settings) => this.estimateSources(settings),
      },
      prompt,
      resolveTaskSettings(overrides, this.defaults),
    );
  }

  async approveTask(taskId: string, input: ApproveInput = {}): Promise<SubmitReceipt> {
    if (this.closed) throw new SymbiontError('CONFLICT', 'the task manager is shutting down');
    await this.running.get(taskId)?.done.catch(() => undefined);
    const reviewed = await awaitingApproval(this.store, taskId);
    const sources = this.estimateSources(reviewed.settings);
    const body = approvalBody(reviewed, input.plan, sources);
    const task = await storeApproval(
      { store: this.store, bus: this.bus, leases: this.leases, clock: this.clock },
      taskId,
      body,
    );
    const receipt: SubmitReceipt = { id: taskId, status: task.status, subtask_count: task.subtasks.length };
    this.start(task, sources.provider, false);
    return receipt;
  }

  /**
   * What approving `taskId` with the edited `plan` would run: its routed subtasks and their
   * estimate, without approving (the CLI's edit loop shows it). Plan errors as approveTask's.
   */
  async previewEdit(
    taskId: string,
    plan: PlanInput,
  ): Promise<{ subtasks: Subtask[]; estimate: PlanEstimate }> {
    const reviewed = await awaitingApproval(this.store, taskId);
    const body = approvalBody(reviewed, plan, this.estimateSources(reviewed.settings));
    return { subtasks: body.subtasks ?? [], estimate: body.estimate! };
  }

  private estimateSources(settings: TaskSettings): EstimateSources {
    const provider = this.options.providers(settings.provider);
    return { provider, modelFor: modelsOf(settings, provider), maxOutputTokens: this.maxOutputTokens };
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
  async resumeTask(taskId: string): Promise<boolean> {
    if (this.running.has(taskId)) return true;
    if (this.closed) return false;
    if (!(await this.leases.take(taskId))) return false;
    const task = await this.store.getTask(taskId);
    if (!task || !isResumableTaskStatus(task.status) || this.running.has(taskId)) {
      if (!this.running.has(taskId)) await this.leases.release(taskId);
      return this.running.has(taskId);
    }
    let provider: ModelProvider;
    try {
      provider = this.options.providers(task.settings.provider);
    } catch (error) {
      await this.leases.release(taskId);
      throw error;
    }
    const interruptions = await interruptionsOf(this.store, taskId).catch(async (error: unknown) => {
      await this.leases.release(taskId);
      throw error;
    });
    if (interruptions >= (this.options.maxInterruptions ?? 2)) {
      try {
        this.bus.publish(await setAside(this.store, this.clock, task, interruptions));
      } finally {
        await this.leases.release(taskId);
      }
      return false;
    }
    // A new run begins (stored before it starts, so that a crash during it counts).
    const resumedAt = new Date(this.clock.now()).toISOString();
    const marker = await this.store
      .appendEvents(taskId, [{ type: 'task.resumed', task_id: taskId, at: resumedAt }])
      .catch(async (error: unknown) => {
        await this.leases.release(taskId);
        throw error;
      });
    this.bus.publish(marker);
    const planning = task.status === 'planning' ? await interruptedPlanning(this.store, taskId) : undefined;
    this.start(task, provider, true, {
      ...(planning?.plan ? { plan: planning.plan } : {}),
      ...(planning?.attemptsBefore ? { planAttemptsBefore: planning.attemptsBefore } : {}),
      review: planning?.review === true,
    });
    return true;
  }

  /**
   * Runs a finished task again (SPEC §12) under its lease, as resume takes it: failed, skipped
   * and cancelled subtasks, or `subtasks` with their dependents. Resolves once the retry is
   * stored and the run started.
   */
  async retryTask(taskId: string, subtasks: readonly number[] = []): Promise<RetryReceipt> {
    if (this.closed) throw new SymbiontError('CONFLICT', 'the task manager is shutting down');
    return retryFinishedTask(
      {
        store: this.store,
        bus: this.bus,
        clock: this.clock,
        leases: this.leases,
        isRunning: (id) => this.running.has(id),
        providerFor: (task) => this.options.providers(task.settings.provider),
        start: (task, provider, planning) => {
          this.start(task, provider, false, planning);
        },
      },
      taskId,
      subtasks,
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    this.resumes.clear();
    const runs = [...this.running.values()];
    for (const run of runs) run.runner.detach();
    await Promise.allSettled(runs.map((run) => run.done));
  }

  private start(
    task: Task,
    provider: ModelProvider,
    resumed: boolean,
    planning: RunnerPlanning = {},
  ): TaskRunner {
    const deps: RunnerStartDeps = {
      store: this.store,
      bus: this.bus,
      clock: this.clock,
      entropy: this.entropy,
      pool: this.pool,
      retry: this.retry,
      leases: this.leases,
      resumes: this.resumes,
      running: this.running,
      options: this.options,
      executor: this.executorFor(provider),
      plannedSubtasksLimit: this.plannedSubtasksLimit(),
      isClosed: () => this.closed,
    };
    return startRunner(deps, task, provider, resumed, planning);
  }
}

function planPrompt(plan: SubmitInput['plan']): string | undefined {
  if (plan && typeof plan === 'object' && typeof plan.prompt === 'string') return plan.prompt;
  return undefined;
}

export function createTaskManager(options: TaskManagerOptions): TaskManager {
  return new TaskManager(options);
}
