// The streaming planner's early starts (SPEC §13, LLMCompiler's trick): while the plan's text
// streams in, each subtask is recorded (`subtask.planned`) as soon as its object is complete,
// and one whose dependencies all completed starts at once, in a free task and pool slot,
// before the rest of the plan has arrived. When the plan is complete and valid the runner's
// dispatch adopts what is still running (handOver). When the streamed answer is abandoned
// (its call failed and is retried, or its plan was rejected and the planner re-asks) what
// started is cancelled, its calls stay in the ledger, and the streamed records are dropped
// (`task.replanning`); when planning fails, `stop` cancels what started and keeps the records.
//
// Only subtasks that depend on earlier ones only (the planner's prompt asks for that) are
// streamed; from the first one that does not, the rest wait for the whole plan.

import { setMaxListeners } from 'node:events';
import { SymbiontError } from '../core/errors.js';
import type { TaskEventBody } from '../core/events.js';
import { PlanStreamParser } from '../core/plan-stream.js';
import { validatePlan } from '../core/plan-validation.js';
import type { Subtask, Tier } from '../core/records.js';
import type { TextSink } from '../ports/model-provider.js';
import { watchAbort } from './abort-watch.js';
import type { HeldSlot } from './dispatch.js';
import { type PlanStreamListener, subtasksOfPlan } from './plan-task.js';
import type { RunContext } from './run-context.js';
import type { SlotPool } from './slot-pool.js';
import { runSubtaskAttempts, type SubtaskOutcome, subtaskPrompt } from './subtask-attempts.js';

export interface EarlyStartOptions {
  context: RunContext;
  pool: SlotPool;
  concurrency: number;
  emit(body: TaskEventBody): Promise<void>;
  /** An early subtask ended after the handover: the runner settles it like its own. */
  settleLate(index: number, outcome: SubtaskOutcome): void;
  /** A store or ledger failure in an early subtask. */
  fatal(error: unknown): void;
  /**
   * The records an interrupted planning left (a resume): a streamed subtask that matches a
   * completed one there is taken as it is, never called again.
   */
  prior?: readonly Subtask[];
}

/** Whether a streamed subtask is the same step as an earlier record. */
function sameStep(a: Subtask, b: Subtask): boolean {
  return (
    a.description === b.description &&
    a.tier_hint === b.tier_hint &&
    a.depends_on.join(',') === b.depends_on.join(',')
  );
}

/** A streamed subtask as its record, or undefined when it cannot be streamed. */
function streamedRecord(
  raw: unknown,
  position: number,
  taskId: string,
  modelFor: (tier: Tier) => string,
): Subtask | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const { index, depends_on: dependsOn = [], ...rest } = raw as Record<string, unknown>;
  if (index !== undefined && index !== position) return undefined;
  if (!Array.isArray(dependsOn)) return undefined;
  const earlier = dependsOn.every(
    (dependency) => Number.isInteger(dependency) && dependency >= 0 && dependency < position,
  );
  if (!earlier || new Set(dependsOn).size !== dependsOn.length) return undefined;
  let one: ReturnType<typeof validatePlan>;
  try {
    one = validatePlan({ subtasks: [{ ...rest, depends_on: [] }] }, 'model');
  } catch {
    return undefined;
  }
  const planned = { ...one.subtasks[0]!, index: position, depends_on: dependsOn as number[] };
  return subtasksOfPlan(taskId, { reasoning: null, subtasks: [planned], warnings: [] }, modelFor)[0];
}

export class EarlyStarts implements PlanStreamListener {
  private parser = new PlanStreamParser();
  private accepting = true;
  private controller = EarlyStarts.controller();
  private readonly running = new Map<number, Promise<void>>();
  private readonly started = new Set<number>();
  private readonly completed = new Set<number>();
  private streamed = 0;
  private prior: readonly Subtask[];
  private handedOver = false;
  private budgetHit = false;

  /** Every early attempt and its retry sleeps listen on it. */
  private static controller(): AbortController {
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    return controller;
  }

  constructor(private readonly options: EarlyStartOptions) {
    this.prior = options.prior ?? [];
    // Kept for the task's life: early subtasks still running after the handover stop with it.
    watchAbort(options.context.signal, () => this.controller.abort(options.context.signal.reason));
  }

  /** How many subtasks were streamed and started (for tests and the benchmark). */
  get startedCount(): number {
    return this.started.size;
  }

  sink(): TextSink {
    this.parser = new PlanStreamParser();
    this.accepting = this.streamed === 0;
    return (chunk) => {
      for (const raw of this.parser.push(chunk)) this.add(raw);
    };
  }

  async abandon(): Promise<void> {
    await this.stop();
    // What completed stays completed: the next answer's matching subtasks take these records.
    this.prior = [...this.options.context.task.subtasks];
    if (this.streamed > 0) await this.options.emit({ type: 'task.replanning' });
    this.streamed = 0;
    this.started.clear();
    this.completed.clear();
    this.budgetHit = false;
    this.controller = EarlyStarts.controller();
    if (this.options.context.signal.aborted) this.controller.abort(this.options.context.signal.reason);
  }

  /**
   * Cancels what started and waits until it has settled; streamed subtasks that never started
   * are cancelled too, so that no record is left pending.
   */
  async stop(): Promise<void> {
    this.accepting = false;
    this.controller.abort(new SymbiontError('CANCELLED', 'cancelled: the streamed plan was abandoned'));
    await Promise.all(this.running.values());
    const records = this.options.context.task.subtasks;
    for (let index = 0; index < this.streamed; index++) {
      const status = records[index]?.status;
      if (status === 'pending' || status === 'queued')
        void this.options.emit({ type: 'subtask.cancelled', index });
    }
  }

  /**
   * The error to end the task with when the streamed records differ from the validated plan
   * (they cannot when the plan is valid, as only checked subtasks are streamed); else undefined.
   */
  mismatch(subtasks: readonly Subtask[]): SymbiontError | undefined {
    const records = this.options.context.task.subtasks;
    for (let index = 0; index < this.streamed; index++) {
      const streamed = records[index]!;
      const final = subtasks[index];
      const same =
        final !== undefined &&
        final.description === streamed.description &&
        final.tier_hint === streamed.tier_hint &&
        final.depends_on.join(',') === streamed.depends_on.join(',');
      if (!same) {
        return new SymbiontError(
          'INVALID_PLAN',
          `planning failed: subtask ${index} as streamed differs from the validated plan`,
        );
      }
    }
    return undefined;
  }

  /** Dispatch takes over: the indexes still running, which end through `settleLate`. */
  handOver(): { running: ReadonlySet<number>; budgetHit: boolean } {
    this.handedOver = true;
    this.accepting = false;
    return { running: new Set(this.running.keys()), budgetHit: this.budgetHit };
  }

  private add(raw: unknown): void {
    if (!this.accepting) return;
    const { context } = this.options;
    const fresh = streamedRecord(raw, this.streamed, context.task.id, context.modelFor);
    if (fresh === undefined) {
      this.accepting = false;
      return;
    }
    const before = this.prior[fresh.index];
    const done = before?.status === 'completed' && sameStep(before, fresh);
    // Attempt numbers go on from the earlier record's (they are ledgered per subtask id).
    if (before) fresh.attempts = Math.max(fresh.attempts, before.attempts);
    this.streamed++;
    void this.options.emit({ type: 'subtask.planned', subtask: done ? { ...before } : fresh });
    if (done) {
      this.started.add(fresh.index);
      this.completed.add(fresh.index);
    }
    this.startReady();
  }

  private startReady(): void {
    const { context, pool, concurrency } = this.options;
    const subtasks = context.task.subtasks;
    for (let index = 0; index < this.streamed; index++) {
      if (this.running.size >= concurrency || this.budgetHit || this.controller.signal.aborted) return;
      if (this.started.has(index)) continue;
      const subtask = subtasks[index]!;
      if (!subtask.depends_on.every((dependency) => this.completed.has(dependency))) continue;
      const release = pool.tryAcquire();
      if (!release) return;
      this.started.add(index);
      void this.options.emit({ type: 'subtask.queued', index });
      const run = this.run(index, release);
      this.running.set(index, run);
    }
  }

  private async run(index: number, release: () => void): Promise<void> {
    const { context } = this.options;
    let held = true;
    const slot: HeldSlot = {
      releaseEarly: () => {
        if (!held) return;
        held = false;
        release();
      },
    };
    let outcome: SubtaskOutcome | undefined;
    try {
      const subtask = context.task.subtasks[index]!;
      const early: RunContext = { ...context, signal: this.controller.signal };
      const prompt = subtaskPrompt(context.task, subtask);
      outcome = await runSubtaskAttempts(early, subtask, prompt, context.task.settings.result_cap, slot);
    } catch (error) {
      this.options.fatal(error);
      outcome = { kind: 'cancelled' };
    } finally {
      if (held) release();
      this.running.delete(index);
    }
    if (this.handedOver) this.options.settleLate(index, outcome);
    else this.settleEarly(index, outcome);
  }

  private settleEarly(index: number, outcome: SubtaskOutcome): void {
    const emit = this.options.emit;
    switch (outcome.kind) {
      case 'completed':
        this.completed.add(index);
        this.startReady();
        return;
      case 'failed':
        void emit({ type: 'subtask.failed', index, error: outcome.error.message });
        return;
      case 'cancelled':
        void emit({ type: 'subtask.cancelled', index });
        return;
      case 'deferred':
        // The budget must wait for a call in flight: not started after all; the next
        // completion, or dispatch after the handover, starts it.
        this.started.delete(index);
        return;
      case 'budget':
        this.budgetHit = true;
        void emit({ type: 'subtask.skipped', index, error: 'budget exhausted' });
    }
  }
}
