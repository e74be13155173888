// Runs one compound task: plan (unless a plan was given), route, then execute eagerly: a
// subtask starts the moment its dependencies completed and both a task slot and a process slot
// are free, highest longest-remaining-path first (dispatch.ts). Failures skip their dependents;
// cancellation stops running calls. Every state change goes through the store before anyone
// sees it. How the task ends is decided in the core (task-outcome.ts).

import { setMaxListeners } from 'node:events';
import { Budget } from '../core/budget.js';
import type { DagScheduler } from '../core/dag-scheduler.js';
import { SymbiontError, toSymbiontError } from '../core/errors.js';
import type { TaskEventBody, UnsequencedEvent } from '../core/events.js';
import { isoTime } from '../core/iso-time.js';
import type { ValidatedPlan } from '../core/plan-validation.js';
import { isFinalTaskStatus, type Subtask, type Task, type Tier } from '../core/records.js';
import type { RetryPolicy } from '../core/retry-policy.js';
import {
  type FinalStatus,
  fatalEndEvents,
  finalTaskOutcome,
  needsReset,
  type StopReason,
} from '../core/task-outcome.js';
import { applyTaskEvent } from '../core/task-reducer.js';
import type { CallExecutor } from '../ports/call-executor.js';
import type { Clock, Entropy } from '../ports/clock.js';
import type { Ledger } from '../ports/ledger.js';
import type { ModelProvider } from '../ports/model-provider.js';
import type { TaskStore } from '../ports/task-store.js';
import { Dispatcher, type HeldSlot, schedulerFor } from './dispatch.js';
import { EarlyStarts } from './early-starts.js';
import type { EventBus } from './event-bus.js';
import { EventWriter } from './event-writer.js';
import { planOrFailure, subtasksOfPlan } from './plan-task.js';
import { estimateSubtasks } from './review.js';
import type { RunContext } from './run-context.js';
import type { SlotPool } from './slot-pool.js';
import { StartGate } from './start-gate.js';
import { runSubtaskAttempts, type SubtaskOutcome, subtaskPrompt } from './subtask-attempts.js';
import { writeAnswer } from './synthesis.js';

export interface TaskRunnerOptions {
  task: Task;
  store: TaskStore;
  bus: EventBus;
  provider: ModelProvider;
  /** Where the task's model calls run. */
  executor: CallExecutor;
  ledger: Ledger;
  clock: Clock;
  entropy: Entropy;
  pool: SlotPool;
  retry: RetryPolicy;
  /** A ready plan (skips the planner). */
  plan?: ValidatedPlan;
  /** True when continuing an interrupted task. */
  resumed: boolean;
  /** Submitted for review: once planned, the task waits in `awaiting_approval` (SPEC §11). */
  review?: boolean;
  /**
   * For a resumed planning: planning attempt numbers the interrupted runs may have ledgered
   * (the next call is this plus one). Default 0.
   */
  planAttemptsBefore?: number;
  /** For a retry: synthesis attempts earlier runs ledgered (the next is this plus one). Default 0. */
  synthesisAttemptsBefore?: number;
  maxOutputTokens: number;
  /** The most subtasks a model-made plan may have. Default DEFAULT_MAX_PLANNED_SUBTASKS. */
  maxPlannedSubtasks?: number;
  /** Relative duration estimate for critical-path ranking; default by tier. */
  estimateDuration?: (subtask: Subtask) => number;
}

export class TaskRunner {
  readonly task: Task;
  private readonly abort = new AbortController();
  private readonly context: RunContext;
  private readonly writer: EventWriter;
  private scheduler: DagScheduler | undefined;
  private dispatcher: Dispatcher | undefined;
  private early: EarlyStarts | undefined;
  private gate: StartGate | undefined;
  private stopReason: StopReason;
  private fatalError: SymbiontError | undefined;
  private settle: (() => void) | undefined;
  private detached = false;
  /** The figures of the call the budget could not cover. */
  private budgetMessage: string | undefined;
  private plannedResolve!: () => void;
  /** The store or ledger failure that ended the run, if any. */
  get fatal(): SymbiontError | undefined {
    return this.fatalError;
  }

  /** Resolves once the plan is stored, or planning ended the task. */
  readonly planned: Promise<void>;

  constructor(private readonly options: TaskRunnerOptions) {
    this.task = options.task;
    this.writer = new EventWriter(this.task.id, options.store, options.bus, (error) =>
      this.stop('fatal', error),
    );
    // Retry sleeps and slot waits each listen for the task's abort (calls share one listener).
    setMaxListeners(0, this.abort.signal);
    this.planned = new Promise((resolve) => {
      this.plannedResolve = resolve;
    });
    const settings = this.task.settings;
    this.context = {
      task: this.task,
      provider: options.provider,
      executor: options.executor,
      ledger: options.ledger,
      clock: options.clock,
      entropy: options.entropy,
      budget: new Budget(settings.budget_usd, this.task.total_cost),
      retry: { ...options.retry, maxAttempts: settings.max_attempts },
      signal: this.abort.signal,
      emit: (event) => this.emit(event),
      modelFor: (tier: Tier) =>
        settings.models[String(tier) as '1' | '2' | '3'] ?? options.provider.modelFor(tier),
      maxOutputTokens: options.maxOutputTokens,
      ...(options.maxPlannedSubtasks === undefined ? {} : { maxPlannedSubtasks: options.maxPlannedSubtasks }),
    };
  }

  /** Stops running calls and marks unstarted subtasks cancelled. */
  cancel(): void {
    this.stop('cancelled', new SymbiontError('CANCELLED', 'cancelled'));
  }

  /**
   * Stops without recording an end (shutdown, or the lease was lost): running calls are
   * aborted, nothing more is written, and the task stays resumable from the store.
   */
  /** Set when the run was detached because its lease was lost (another process may run it). */
  leaseLost = false;

  detach(): void {
    if (this.detached) return;
    this.detached = true;
    this.stop('cancelled', new SymbiontError('CANCELLED', 'detached: the process is shutting down'));
  }

  /** Runs the task to its end; resolves with the final record (as stored). */
  async run(): Promise<Task> {
    try {
      const planned = this.task.status !== 'planning' || (await this.plan());
      this.plannedResolve();
      if (planned) await this.execute();
    } catch (error) {
      this.plannedResolve();
      await this.finishAfterFatal(toSymbiontError(error));
    }
    return this.task;
  }

  /** Every body is a fresh literal made for this call, so it becomes the event in place. */
  private emit(body: TaskEventBody): Promise<void> {
    if (this.detached) return Promise.resolve();
    const event = body as UnsequencedEvent;
    event.task_id = this.task.id;
    event.at = isoTime(this.options.clock.now());
    applyTaskEvent(this.task, event);
    return this.writer.emit(event);
  }

  /**
   * Plans (or takes the given plan) and stores it; false when planning ended the task. The
   * planner's answer streams: its subtasks may start before it is complete (early-starts.ts).
   */
  private async plan(): Promise<boolean> {
    // A task under review starts nothing before approval, so its plan is read whole.
    const early = this.options.plan || this.options.review ? undefined : this.earlyStarts();
    this.early = early;
    const { plan, error } = await planOrFailure(this.context, this.options, early);
    const subtasks = plan ? subtasksOfPlan(this.task.id, plan, this.context.modelFor) : [];
    const failure = error ?? early?.mismatch(subtasks);
    if (failure) {
      await early?.stop();
      if (this.stopReason === 'fatal') throw this.fatalError;
      const cancelled = failure.code === 'CANCELLED' || this.stopReason === 'cancelled';
      await this.finish(cancelled ? 'cancelled' : 'failed', cancelled ? null : failure.message);
      return false;
    }
    const planned = this.emit({
      type: 'task.planned',
      reasoning: plan!.reasoning,
      subtasks,
      warnings: plan!.warnings,
    });
    if (!this.options.review) {
      await planned;
      return true;
    }
    // Emitted in the same turn, so stored in the same batch: no crash leaves the plan without
    // its wait (a `planned` task would be run by `resume`).
    const estimate = estimateSubtasks(this.task, subtasks, this.context);
    await this.emit({ type: 'task.awaiting_approval', estimate });
    return false;
  }

  private earlyStarts(): EarlyStarts {
    return new EarlyStarts({
      context: this.context,
      pool: this.options.pool,
      concurrency: this.task.settings.concurrency,
      emit: (body) => this.emit(body),
      settleLate: (index, outcome) => {
        // A deferred first attempt (the budget must wait) never started: it is ready again.
        if (outcome.kind === 'deferred') this.scheduler?.putBack(index);
        else this.settleSubtask(index, outcome);
        this.dispatcher?.adoptedEnded();
      },
      fatal: (error) => this.stop('fatal', toSymbiontError(error)),
      // A resumed planning: what the interrupted one completed is kept (the replanning clears it).
      prior: [...this.task.subtasks],
    });
  }

  private async execute(): Promise<void> {
    const subtasks = this.task.subtasks;
    for (const subtask of subtasks) {
      if (subtask.tier_assigned !== null) continue;
      const tier = subtask.tier_hint;
      void this.emit({
        type: 'subtask.routed',
        index: subtask.index,
        tier,
        model: this.context.modelFor(tier),
      });
    }
    const handed = this.early?.handOver();
    const running = handed?.running ?? new Set<number>();
    for (const subtask of subtasks) {
      if (needsReset(subtask.status) && !running.has(subtask.index))
        void this.emit({ type: 'subtask.reset', index: subtask.index });
    }
    void this.emit({ type: 'task.started', resumed: this.options.resumed });
    const scheduler = schedulerFor(subtasks, this.options.estimateDuration, running);
    this.scheduler = scheduler;
    this.dispatcher = new Dispatcher({
      scheduler,
      pool: this.options.pool,
      concurrency: this.task.settings.concurrency,
      signal: this.abort.signal,
      stopped: () => this.stopReason !== undefined,
      run: (index, slot) => this.runSubtask(index, slot),
      canStart: () => gate.canStart(),
      onIdle: () => this.checkDone(),
    });
    const gate = new StartGate(
      this.context.budget,
      this.task,
      this.options.provider,
      this.context.modelFor,
      () => this.dispatcher?.pump(),
    );
    this.gate = gate;
    this.dispatcher.adopt(running.size);
    for (const blocked of scheduler.initiallyBlocked()) this.skip(blocked.index, blocked.dependency);
    if (handed?.budgetHit) this.stop('budget');
    else if (this.stopReason !== undefined) this.drainUnstarted();
    for (const index of scheduler.releaseInitial()) void this.emit({ type: 'subtask.queued', index });
    const done = new Promise<void>((resolve) => {
      this.settle = resolve;
    });
    this.dispatcher.pump();
    this.checkDone();
    await done;
    gate.close();
    if (this.stopReason === 'fatal') throw this.fatalError;
    // The answer is written from what completed, before the end is recorded (SPEC §2 step 5).
    // A run resumed after its answer was stored keeps that answer (a retry clears it first).
    const stopped = finalTaskOutcome(this.task.subtasks, this.stopReason).status === 'cancelled';
    if (this.task.answer === null)
      await writeAnswer(this.context, stopped, this.options.synthesisAttemptsBefore);
    // A store failure meanwhile stops the run (the writer calls stop).
    if ((this.stopReason as StopReason) === 'fatal') throw this.fatalError;
    // Computed again: the task may have been cancelled while its answer was being written.
    const outcome = finalTaskOutcome(this.task.subtasks, this.stopReason);
    const error = this.stopReason === 'budget' ? (this.budgetMessage ?? outcome.error) : outcome.error;
    await this.finish(outcome.status, error);
  }

  /** Runs one subtask to its outcome; never rejects (a store or ledger failure stops the task). */
  private async runSubtask(index: number, slot: HeldSlot): Promise<'done' | 'deferred'> {
    try {
      const subtask = this.task.subtasks[index]!;
      this.gate!.starting(subtask, this.scheduler!.readyCount);
      const prompt = subtaskPrompt(this.task, subtask);
      const outcome = await runSubtaskAttempts(
        this.context,
        subtask,
        prompt,
        this.task.settings.result_cap,
        slot,
      );
      if (outcome.kind === 'deferred') {
        if (this.stopReason === undefined) {
          // Waits, queued, until a call in flight settles (dispatch stops starting until then).
          this.gate!.waitForBudget(outcome.settleCount);
          return 'deferred';
        }
        this.settleSubtask(
          index,
          this.stopReason === 'budget'
            ? { kind: 'budget', message: 'budget exhausted' }
            : { kind: 'cancelled' },
        );
        return 'done';
      }
      this.settleSubtask(index, outcome);
    } catch (error) {
      this.stop('fatal', toSymbiontError(error));
    } finally {
      this.gate!.ended();
    }
    return 'done';
  }

  /** Tells the scheduler how the subtask ended and records what follows for its dependents. */
  private settleSubtask(index: number, outcome: Exclude<SubtaskOutcome, { kind: 'deferred' }>): void {
    const scheduler = this.scheduler!;
    switch (outcome.kind) {
      case 'completed':
        for (const released of scheduler.succeed(index))
          void this.emit({ type: 'subtask.queued', index: released });
        return;
      case 'failed':
        void this.emit({ type: 'subtask.failed', index, error: outcome.error.message });
        for (const blocked of scheduler.fail(index)) this.skip(blocked.index, blocked.dependency);
        return;
      case 'cancelled':
        void this.emit({ type: 'subtask.cancelled', index });
        for (const blocked of scheduler.fail(index))
          void this.emit({ type: 'subtask.cancelled', index: blocked.index });
        this.drainUnstarted();
        return;
      case 'budget':
        this.budgetMessage ??= outcome.message;
        void this.emit({ type: 'subtask.skipped', index, error: outcome.message });
        for (const blocked of scheduler.fail(index)) {
          void this.emit({ type: 'subtask.skipped', index: blocked.index, error: 'budget exhausted' });
        }
        this.stop('budget');
        return;
    }
  }

  private skip(index: number, dependency: number): void {
    const cause = this.task.subtasks[dependency]!;
    const verb =
      cause.status === 'failed' ? 'failed' : cause.status === 'cancelled' ? 'was cancelled' : 'was skipped';
    void this.emit({ type: 'subtask.skipped', index, error: `dependency ${dependency} ${verb}` });
  }

  private stop(reason: Exclude<StopReason, undefined>, error?: SymbiontError): void {
    if (this.stopReason === 'fatal' || this.stopReason === reason) return;
    if (this.stopReason === undefined || reason === 'fatal') {
      this.stopReason = reason;
      if (reason === 'fatal') this.fatalError = error;
    }
    if (reason !== 'budget') this.abort.abort(error ?? new SymbiontError('CANCELLED', 'cancelled'));
    this.drainUnstarted();
    this.checkDone();
  }

  private drainUnstarted(): void {
    const scheduler = this.scheduler;
    if (!scheduler) return;
    for (const index of scheduler.drainUnstarted()) {
      if (this.stopReason === 'budget')
        void this.emit({ type: 'subtask.skipped', index, error: 'budget exhausted' });
      else void this.emit({ type: 'subtask.cancelled', index });
    }
  }

  private checkDone(): void {
    const scheduler = this.scheduler;
    if (!this.settle || !scheduler || this.dispatcher?.busy) return;
    if (scheduler.finished || this.stopReason !== undefined) {
      const settle = this.settle;
      this.settle = undefined;
      settle();
    }
  }

  private async finish(status: FinalStatus, error: string | null): Promise<void> {
    await this.emit({ type: 'task.finished', status, error, total_cost: this.task.total_cost });
  }

  /** After a store or ledger failure: record `failed` with the error if the store still writes. */
  private async finishAfterFatal(error: SymbiontError): Promise<void> {
    if (this.detached) return;
    this.stop('fatal', error);
    this.fatalError ??= error;
    await this.writer.drain().catch(() => undefined);
    if (isFinalTaskStatus(this.task.status)) return;
    const events = fatalEndEvents(this.task, error.message, isoTime(this.options.clock.now()));
    for (const event of events) applyTaskEvent(this.task, event);
    await this.writer.emitDespiteFailure(events);
  }
}
