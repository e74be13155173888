// Runs one compound task: plan (unless a plan was given), route, then execute eagerly: a
// subtask starts the moment its dependencies completed and both a task slot and a process slot
// are free, highest longest-remaining-path first. Failures skip their dependents; cancellation
// stops running calls. Every state change goes through the store before anyone sees it.

import { setMaxListeners } from 'node:events';
import { Budget } from '../core/budget.js';
import { longestRemainingPath, tierWeight } from '../core/critical-path.js';
import { DagScheduler, type InitialState } from '../core/dag-scheduler.js';
import { SymbiontError, toSymbiontError } from '../core/errors.js';
import type { TaskEventBody, UnsequencedEvent } from '../core/events.js';
import { isoTime } from '../core/iso-time.js';
import type { ValidatedPlan } from '../core/plan-validation.js';
import {
  isFinalTaskStatus,
  newSubtaskRecord,
  type Subtask,
  type Task,
  type TaskStatus,
  type Tier,
} from '../core/records.js';
import type { RetryPolicy } from '../core/retry-policy.js';
import { buildSubtaskPrompt, type DependencyResult } from '../core/subtask-prompt.js';
import { applyTaskEvent } from '../core/task-reducer.js';
import type { Clock, Entropy } from '../ports/clock.js';
import type { Ledger } from '../ports/ledger.js';
import type { ModelProvider } from '../ports/model-provider.js';
import type { TaskStore } from '../ports/task-store.js';
import type { EventBus } from './event-bus.js';
import { EventWriter } from './event-writer.js';
import { planTaskWithProvider } from './plan-task.js';
import type { RunContext } from './run-context.js';
import type { SlotPool } from './slot-pool.js';
import { runSubtaskAttempts, type SubtaskOutcome } from './subtask-attempts.js';

export interface TaskRunnerOptions {
  task: Task;
  store: TaskStore;
  bus: EventBus;
  provider: ModelProvider;
  ledger: Ledger;
  clock: Clock;
  entropy: Entropy;
  pool: SlotPool;
  retry: RetryPolicy;
  /** A ready plan (skips the planner). */
  plan?: ValidatedPlan;
  /** True when continuing an interrupted task. */
  resumed: boolean;
  /**
   * For a resumed planning: planning attempt numbers the interrupted runs may have ledgered
   * (the next call is this plus one). Default 0.
   */
  planAttemptsBefore?: number;
  maxOutputTokens: number;
  /** Relative duration estimate for critical-path ranking; default by tier. */
  estimateDuration?: (subtask: Subtask) => number;
}

type FinalStatus = Extract<TaskStatus, 'completed' | 'partial' | 'failed' | 'cancelled'>;

export class TaskRunner {
  readonly task: Task;
  private readonly abort = new AbortController();
  private readonly context: RunContext;
  private readonly writer: EventWriter;
  private scheduler: DagScheduler | undefined;
  private active = 0;
  /** Subtasks whose call returned and gave back its slot, still being ledgered and stored. */
  private finishing = 0;
  private waitingForSlot = 0;
  private stopReason: 'cancelled' | 'budget' | 'fatal' | undefined;
  private fatalError: SymbiontError | undefined;
  private settle: (() => void) | undefined;
  private detached = false;
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
  detach(): void {
    if (this.detached) return;
    this.detached = true;
    this.stop('cancelled', new SymbiontError('CANCELLED', 'detached: the process is shutting down'));
  }

  /** Runs the task to its end; resolves with the final record (as stored). */
  async run(): Promise<Task> {
    try {
      if (this.task.status === 'planning') {
        const planned = await this.plan();
        this.plannedResolve();
        if (!planned) return this.task;
      } else {
        this.plannedResolve();
      }
      await this.execute();
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

  private async plan(): Promise<boolean> {
    let plan = this.options.plan;
    if (!plan) {
      try {
        // Stored before any call, so that the next resume knows this run may have ledgered one.
        if (this.options.resumed) await this.emit({ type: 'task.replanning' });
        const firstAttempt = (this.options.planAttemptsBefore ?? 0) + 1;
        plan = await planTaskWithProvider(this.context, this.task.prompt, firstAttempt);
      } catch (error) {
        const failure = toSymbiontError(error);
        if (failure.code === 'LEDGER_WRITE' || failure.code === 'STORE_WRITE') throw failure;
        const cancelled = failure.code === 'CANCELLED' || this.stopReason === 'cancelled';
        await this.finish(cancelled ? 'cancelled' : 'failed', cancelled ? null : failure.message);
        return false;
      }
    }
    const subtasks = plan.subtasks.map((planned) =>
      newSubtaskRecord({
        // Joined rather than concatenated: V8 makes a concatenation this long a two-part
        // string, which it flattens into a second copy the first time the id is serialised
        // (every ledger entry does), and the record keeps both for the task's life.
        id: [this.task.id, planned.index].join('.'),
        index: planned.index,
        description: planned.description,
        tier_hint: planned.tier_hint,
        // Routing: the hint is the tier unless policy changes it (escalation does, later).
        tier_assigned: planned.tier_hint,
        model: this.context.modelFor(planned.tier_hint),
        depends_on: planned.depends_on,
      }),
    );
    await this.emit({ type: 'task.planned', reasoning: plan.reasoning, subtasks, warnings: plan.warnings });
    return true;
  }

  private async execute(): Promise<void> {
    const subtasks = this.task.subtasks;
    for (const subtask of subtasks) {
      if (subtask.tier_assigned === null) {
        const tier = subtask.tier_hint;
        void this.emit({
          type: 'subtask.routed',
          index: subtask.index,
          tier,
          model: this.context.modelFor(tier),
        });
      }
    }
    const initial: InitialState[] = subtasks.map((subtask) => {
      if (subtask.status === 'completed') return 'succeeded';
      if (subtask.status === 'failed' || subtask.status === 'skipped' || subtask.status === 'cancelled')
        return 'ended';
      return 'open';
    });
    for (const subtask of subtasks) {
      if (subtask.status === 'queued' || subtask.status === 'executing' || subtask.status === 'routing') {
        void this.emit({ type: 'subtask.reset', index: subtask.index });
      }
    }
    void this.emit({ type: 'task.started', resumed: this.options.resumed });
    const estimate = this.options.estimateDuration ?? ((subtask: Subtask) => tierWeight(subtask.tier_hint));
    const rank = longestRemainingPath(
      subtasks.map((subtask) => subtask.depends_on),
      subtasks.map((subtask) => estimate(subtask)),
    );
    const scheduler = new DagScheduler(
      subtasks.map((subtask) => subtask.depends_on),
      rank,
      initial,
    );
    this.scheduler = scheduler;
    for (const blocked of scheduler.initiallyBlocked()) this.skip(blocked.index, blocked.dependency);
    for (const index of scheduler.releaseInitial()) void this.emit({ type: 'subtask.queued', index });
    const done = new Promise<void>((resolve) => {
      this.settle = resolve;
    });
    this.pump();
    this.checkDone();
    await done;
    if (this.stopReason === 'fatal') throw this.fatalError;
    await this.finish(this.finalStatus(), this.finalError());
  }

  private pump(): void {
    const scheduler = this.scheduler;
    if (!scheduler) return;
    const cap = this.task.settings.concurrency;
    while (
      this.stopReason === undefined &&
      this.active + this.waitingForSlot < cap &&
      scheduler.readyCount > this.waitingForSlot
    ) {
      const release = this.options.pool.tryAcquire();
      if (release) {
        this.start(release);
        continue;
      }
      this.waitingForSlot++;
      this.options.pool.acquire(this.abort.signal).then(
        (granted) => {
          this.waitingForSlot--;
          if (this.stopReason !== undefined || scheduler.readyCount === 0) granted();
          else this.start(granted);
          this.pump();
          this.checkDone();
        },
        () => {
          this.waitingForSlot--;
          this.checkDone();
        },
      );
    }
  }

  /**
   * Slots bound model calls in flight. A successful call gives its slot back as soon as the
   * provider answered, while its ledger entry is synced and its completion stored: the next
   * calls start meanwhile, and their ledger appends join the same fsync batch.
   */
  private start(release: () => void): void {
    const index = this.scheduler!.takeReady()!;
    this.active++;
    void this.runOne(index, release);
  }

  /** Runs one subtask to its outcome; never rejects (a store or ledger failure stops the task). */
  private async runOne(index: number, release: () => void): Promise<void> {
    let held = true;
    const releaseSlot = () => {
      if (!held) return;
      held = false;
      release();
      this.active--;
      this.finishing++;
      this.pump();
    };
    try {
      const subtask = this.task.subtasks[index]!;
      const outcome = await runSubtaskAttempts(
        this.context,
        subtask,
        this.promptFor(subtask),
        this.task.settings.result_cap,
        releaseSlot,
      );
      this.settleSubtask(index, outcome);
    } catch (error) {
      this.stop('fatal', toSymbiontError(error));
    } finally {
      if (held) {
        held = false;
        release();
        this.active--;
      } else {
        this.finishing--;
      }
      this.pump();
      this.checkDone();
    }
  }

  /** The task's goal, each direct dependency's result, and the subtask's description last. */
  private promptFor(subtask: Subtask): string {
    const dependencies: DependencyResult[] = [];
    for (let at = 0; at < subtask.depends_on.length; at++) {
      const dependency = subtask.depends_on[at]!;
      const source = this.task.subtasks[dependency]!;
      dependencies.push({ index: dependency, description: source.description, result: source.result ?? '' });
    }
    return buildSubtaskPrompt({
      goal: this.task.prompt,
      description: subtask.description,
      dependencies,
      contextChars: this.task.settings.context_chars,
    });
  }

  /** Tells the scheduler how the subtask ended and records what follows for its dependents. */
  private settleSubtask(index: number, outcome: SubtaskOutcome): void {
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
        void this.emit({ type: 'subtask.skipped', index, error: 'budget exhausted' });
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

  private stop(reason: 'cancelled' | 'budget' | 'fatal', error?: SymbiontError): void {
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
    if (!this.settle || this.active > 0 || this.finishing > 0 || this.waitingForSlot > 0) return;
    const scheduler = this.scheduler;
    if (!scheduler) return;
    if (scheduler.finished || this.stopReason !== undefined) {
      const settle = this.settle;
      this.settle = undefined;
      settle();
    }
  }

  private finalStatus(): FinalStatus {
    if (this.stopReason === 'cancelled') return 'cancelled';
    const subtasks = this.task.subtasks;
    const completed = subtasks.filter((subtask) => subtask.status === 'completed').length;
    if (completed === subtasks.length) return 'completed';
    return completed === 0 ? 'failed' : 'partial';
  }

  private finalError(): string | null {
    if (this.stopReason === 'budget') return 'budget exhausted';
    const failed = this.task.subtasks.filter((subtask) => subtask.status === 'failed').length;
    const skipped = this.task.subtasks.filter((subtask) => subtask.status === 'skipped').length;
    if (failed === 0 && skipped === 0) return null;
    return `${failed} subtask(s) failed, ${skipped} skipped`;
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
    const at = new Date(this.options.clock.now()).toISOString();
    // Subtasks that did not end on their own end cancelled, also in the store (a failed
    // store may not have taken the cancellations written meanwhile).
    const events: UnsequencedEvent[] = this.task.subtasks
      .filter((subtask) => !['completed', 'failed', 'skipped'].includes(subtask.status))
      .map((subtask) => ({
        type: 'subtask.cancelled' as const,
        index: subtask.index,
        task_id: this.task.id,
        at,
      }));
    events.push({
      type: 'task.finished',
      status: 'failed',
      error: error.message,
      total_cost: this.task.total_cost,
      task_id: this.task.id,
      at,
    });
    for (const event of events) applyTaskEvent(this.task, event);
    await this.writer.emitDespiteFailure(events);
  }
}
