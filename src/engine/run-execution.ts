// The execution phase of a run (TaskRunner): route what planning left unrouted, reset what an
// interrupted run left started, then execute eagerly: a subtask starts the moment its
// dependencies completed and both a task slot and a process slot are free, highest
// longest-remaining-path first (dispatch.ts), while the start gate allows (start-gate.ts).
// Failures skip their dependents; a cancel cancels, and the budget or a provider that refuses
// every call (a rejected key) skips, what has not started.

import type { DagScheduler } from '../core/dag-scheduler.js';
import { errorTraits } from '../core/error-traits.js';
import { type SymbiontError, toSymbiontError } from '../core/errors.js';
import type { Task } from '../core/records.js';
import { needsReset, type StopReason } from '../core/task-outcome.js';
import { Dispatcher, type HeldSlot, schedulerFor } from './dispatch.js';
import type { EarlyStarts } from './early-starts.js';
import type { RunContext } from './run-context.js';
import { StartGate } from './start-gate.js';
import { runSubtaskAttempts, type SubtaskOutcome, subtaskPrompt } from './subtask-attempts.js';
import type { TaskRunnerOptions } from './task-runner-options.js';

/** What execution reads of its run and asks of it. */
export interface ExecutingRun {
  readonly context: RunContext;
  readonly options: TaskRunnerOptions;
  /** Why the run stopped, if it did. */
  stopReason(): StopReason;
  /** Stops the run (the runner then drains what has not started and checks for the end). */
  stop(reason: Exclude<StopReason, undefined>, error?: SymbiontError): void;
}

export class RunExecution {
  private readonly task: Task;
  private readonly context: RunContext;
  private scheduler: DagScheduler | undefined;
  private dispatcher: Dispatcher | undefined;
  private gate: StartGate | undefined;
  private settle: (() => void) | undefined;
  /** What stopped the run short: the figures of the call the budget could not cover, or the provider's refusal. */
  stopMessage: string | undefined;

  constructor(private readonly run: ExecutingRun) {
    this.context = run.context;
    this.task = run.context.task;
  }

  /** A subtask the streaming planner started ended after the handover: settled like one of ours. */
  settleLate(index: number, outcome: SubtaskOutcome): void {
    // A deferred first attempt (the budget must wait) never started: it is ready again.
    if (outcome.kind === 'deferred') this.scheduler?.putBack(index);
    else this.settleSubtask(index, outcome);
    this.dispatcher?.adoptedEnded();
  }

  /**
   * Runs the subtasks until every one ended or the run stopped (and what runs has ended);
   * `early`: the subtasks the streaming planner started, taken over.
   */
  async execute(early: EarlyStarts | undefined): Promise<void> {
    const subtasks = this.task.subtasks;
    for (const subtask of subtasks) {
      if (subtask.tier_assigned !== null) continue;
      const tier = subtask.tier_hint;
      void this.context.emit({
        type: 'subtask.routed',
        index: subtask.index,
        tier,
        model: this.context.modelFor(tier),
      });
    }
    const handed = early?.handOver();
    const running = handed?.running ?? new Set<number>();
    for (const subtask of subtasks) {
      if (needsReset(subtask.status) && !running.has(subtask.index))
        void this.context.emit({ type: 'subtask.reset', index: subtask.index });
    }
    void this.context.emit({ type: 'task.started', resumed: this.run.options.resumed });
    const scheduler = schedulerFor(subtasks, this.run.options.estimateDuration, running);
    this.scheduler = scheduler;
    this.dispatcher = new Dispatcher({
      scheduler,
      pool: this.run.options.pool,
      concurrency: this.task.settings.concurrency,
      signal: this.context.signal,
      stopped: () => this.run.stopReason() !== undefined,
      run: (index, slot) => this.runSubtask(index, slot),
      canStart: () => gate.canStart(),
      onIdle: () => this.checkDone(),
    });
    const gate = new StartGate(
      this.context.budget,
      this.task,
      this.run.options.provider,
      this.context.modelFor,
      () => this.dispatcher?.pump(),
    );
    this.gate = gate;
    this.dispatcher.adopt(running.size);
    for (const blocked of scheduler.initiallyBlocked()) this.skip(blocked.index, blocked.dependency);
    if (handed?.budgetHit) this.run.stop('budget');
    else if (this.run.stopReason() !== undefined) this.drainUnstarted();
    for (const index of scheduler.releaseInitial()) void this.context.emit({ type: 'subtask.queued', index });
    const done = new Promise<void>((resolve) => {
      this.settle = resolve;
    });
    this.dispatcher.pump();
    this.checkDone();
    await done;
    gate.close();
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
        if (this.run.stopReason() === undefined) {
          // Waits, queued, until a call in flight settles (dispatch stops starting until then).
          this.gate!.waitForBudget(outcome.settleCount);
          return 'deferred';
        }
        // Never started: skipped once the budget or the provider stopped the run, else cancelled.
        const stop = this.run.stopReason();
        const skipped = stop === 'budget' || stop === 'provider';
        this.settleSubtask(
          index,
          skipped ? { kind: 'budget', message: this.skipReason() } : { kind: 'cancelled' },
        );
        return 'done';
      }
      this.settleSubtask(index, outcome);
    } catch (error) {
      this.run.stop('fatal', toSymbiontError(error));
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
          void this.context.emit({ type: 'subtask.queued', index: released });
        return;
      case 'failed':
        void this.context.emit({ type: 'subtask.failed', index, error: outcome.error.message });
        for (const blocked of scheduler.fail(index)) this.skip(blocked.index, blocked.dependency);
        if (errorTraits(outcome.error.code).stopsTask && this.run.stopReason() === undefined) {
          this.stopMessage ??= outcome.error.message;
          this.run.stop('provider');
        }
        return;
      case 'cancelled':
        void this.context.emit({ type: 'subtask.cancelled', index });
        for (const blocked of scheduler.fail(index))
          void this.context.emit({ type: 'subtask.cancelled', index: blocked.index });
        this.drainUnstarted();
        return;
      case 'budget':
        this.stopMessage ??= outcome.message;
        void this.context.emit({ type: 'subtask.skipped', index, error: outcome.message });
        for (const blocked of scheduler.fail(index)) {
          void this.context.emit({
            type: 'subtask.skipped',
            index: blocked.index,
            error: this.skipReason(),
          });
        }
        // A run the provider stopped stays stopped for that reason (stop keeps the first).
        this.run.stop('budget');
        return;
    }
  }

  private skip(index: number, dependency: number): void {
    const cause = this.task.subtasks[dependency]!;
    const verb =
      cause.status === 'failed' ? 'failed' : cause.status === 'cancelled' ? 'was cancelled' : 'was skipped';
    void this.context.emit({ type: 'subtask.skipped', index, error: `dependency ${dependency} ${verb}` });
  }

  /** Ends what has not started: skipped for the budget or the provider, cancelled otherwise. */
  drainUnstarted(): void {
    const scheduler = this.scheduler;
    if (!scheduler) return;
    const stop = this.run.stopReason();
    for (const index of scheduler.drainUnstarted()) {
      if (stop === 'budget' || stop === 'provider')
        void this.context.emit({ type: 'subtask.skipped', index, error: this.skipReason() });
      else void this.context.emit({ type: 'subtask.cancelled', index });
    }
  }

  /** Why a subtask that never started was skipped. */
  private skipReason(): string {
    if (this.run.stopReason() === 'provider')
      return `not started: ${this.stopMessage ?? 'the provider refused a call'}`;
    return 'budget exhausted';
  }

  /** Settles `execute` once nothing runs and every subtask ended, or the run stopped. */
  checkDone(): void {
    const scheduler = this.scheduler;
    if (!this.settle || !scheduler || this.dispatcher?.busy) return;
    if (scheduler.finished || this.run.stopReason() !== undefined) {
      const settle = this.settle;
      this.settle = undefined;
      settle();
    }
  }
}
