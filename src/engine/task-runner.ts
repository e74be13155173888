// Runs one compound task through its phases: planning (run-planning.ts), eager execution
// (run-execution.ts) and its end, answer first (run-end.ts); how the task ends is decided in the
// core (task-outcome.ts). The runner holds what the phases share: the record, the event writer
// (every state change goes through the store before anyone sees it) and how the run stops: a
// cancel, the budget, a store or ledger failure, or a detach (nothing more is written).

import { setMaxListeners } from 'node:events';
import { Budget } from '../core/budget.js';
import { SymbiontError, toSymbiontError } from '../core/errors.js';
import type { TaskEventBody, UnsequencedEvent } from '../core/events.js';
import { isoTime } from '../core/iso-time.js';
import type { Task, Tier } from '../core/records.js';
import type { StopReason } from '../core/task-outcome.js';
import { applyTaskEvent } from '../core/task-reducer.js';
import { EventWriter } from './event-writer.js';
import type { RunContext } from './run-context.js';
import { answerAndFinish, type EndingRun, endAfterFatal, finishTask } from './run-end.js';
import { type ExecutingRun, RunExecution } from './run-execution.js';
import { type PlanningRun, planRun } from './run-planning.js';
import type { TaskRunnerOptions } from './task-runner-options.js';

export class TaskRunner {
  readonly task: Task;
  private readonly abort = new AbortController();
  private readonly context: RunContext;
  private readonly writer: EventWriter;
  /** What the phases see of this run and may ask of it. */
  private readonly phases: PlanningRun & ExecutingRun & EndingRun;
  private readonly execution: RunExecution;
  private stopReason: StopReason;
  private fatalError: SymbiontError | undefined;
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
    this.phases = {
      context: this.context,
      options,
      stopReason: () => this.stopReason,
      stop: (reason, error) => this.stop(reason, error),
      fatalError: () => this.fatalError,
      stopMessage: () => this.execution.stopMessage,
      finish: (status, error) => finishTask(this.context, status, error),
      settleLate: (index, outcome) => this.execution.settleLate(index, outcome),
      fatal: (error) => this.stop('fatal', toSymbiontError(error)),
    };
    this.execution = new RunExecution(this.phases);
  }

  /** Stops running calls and marks unstarted subtasks cancelled. */
  cancel(): void {
    this.stop('cancelled', new SymbiontError('CANCELLED', 'cancelled'));
  }

  /** Set when the run was detached because its lease was lost (another process may run it). */
  leaseLost = false;

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
      const planned = this.task.status === 'planning' ? await planRun(this.phases) : { ready: true };
      this.plannedResolve();
      if (planned.ready) {
        await this.execution.execute(planned.early);
        await answerAndFinish(this.phases);
      }
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

  private stop(reason: Exclude<StopReason, undefined>, error?: SymbiontError): void {
    if (this.stopReason === 'fatal' || this.stopReason === reason) return;
    if (this.stopReason === undefined || reason === 'fatal') {
      this.stopReason = reason;
      if (reason === 'fatal') this.fatalError = error;
    }
    // The budget and a refusing provider start nothing more; the calls in flight end on their own.
    if (reason !== 'budget' && reason !== 'provider')
      this.abort.abort(error ?? new SymbiontError('CANCELLED', 'cancelled'));
    this.execution.drainUnstarted();
    this.execution.checkDone();
  }

  /** After a store or ledger failure: record `failed` with the error if the store still writes. */
  private async finishAfterFatal(error: SymbiontError): Promise<void> {
    if (this.detached) return;
    this.stop('fatal', error);
    this.fatalError ??= error;
    await endAfterFatal(this.task, this.writer, this.options.clock, error);
  }
}
