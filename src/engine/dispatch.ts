// Dispatch for one task: starts the highest-ranked ready subtask whenever the task has a free
// slot (its `concurrency`) and the process pool grants one (the cap shared by every task). A
// subtask holds its slot while it runs; a successful call gives it back before its ledger entry
// is synced (see subtask-attempts.ts), and the next subtask starts meanwhile, unless the
// completion is about to ready a dependent that should have the slot.

import { longestRemainingPath, tierWeight } from '../core/critical-path.js';
import { DagScheduler } from '../core/dag-scheduler.js';
import type { Subtask } from '../core/records.js';
import { schedulerStartOf } from '../core/task-outcome.js';
import type { Release, SlotPool } from './slot-pool.js';

/**
 * The scheduler of a run: ranked by longest remaining path over the duration estimates (by
 * tier unless given), starting from what the stored subtasks already reached.
 */
export function schedulerFor(
  subtasks: readonly Subtask[],
  estimate?: (subtask: Subtask) => number,
): DagScheduler {
  const weigh = estimate ?? ((subtask: Subtask) => tierWeight(subtask.tier_hint));
  const dependencies = subtasks.map((subtask) => subtask.depends_on);
  const rank = longestRemainingPath(
    dependencies,
    subtasks.map((subtask) => weigh(subtask)),
  );
  return new DagScheduler(
    dependencies,
    rank,
    subtasks.map((subtask) => schedulerStartOf(subtask.status)),
  );
}

/** The slot a running subtask holds until it ends. */
export interface HeldSlot {
  /**
   * The subtask's call succeeded: give the slot to the next subtask now, before the call is
   * ledgered and its completion stored, so that the next call runs during the ledger's fsync.
   * Kept instead when the completion will make ready a dependent that comes before every ready
   * subtask: that dependent gets the slot once the completion is stored (critical path first).
   */
  releaseEarly(): void;
}

export interface DispatchOptions {
  scheduler: DagScheduler;
  pool: SlotPool;
  /** The task's own cap on subtasks running at once. */
  concurrency: number;
  /** Aborts waits for a pool slot (the task stops). */
  signal: AbortSignal;
  /** Whether the task stopped: nothing more starts. */
  stopped(): boolean;
  /**
   * Runs one subtask in its slot, to its end. Must not reject. `deferred`: it did not start
   * (its first call waits for budget): it goes back to the ready queue with its rank.
   */
  run(index: number, slot: HeldSlot): Promise<'done' | 'deferred'>;
  /**
   * Whether a new subtask may start now (false while the top-ranked one waits for budget).
   * Default: always. The owner calls `pump()` when it may have changed.
   */
  canStart?(): boolean;
  /** Called whenever dispatch becomes idle: nothing runs, finishes or waits for a slot. */
  onIdle(): void;
}

export class Dispatcher {
  /** Subtasks holding a slot. */
  private active = 0;
  /** Subtasks that gave their slot back and are still being ledgered and stored. */
  private finishing = 0;
  /** Pool slots asked for and not granted yet. */
  private waiting = 0;

  constructor(private readonly options: DispatchOptions) {}

  get busy(): boolean {
    return this.active + this.finishing + this.waiting > 0;
  }

  /** Starts what can start now, and asks the pool for the slots it lacks. */
  pump(): void {
    const { scheduler, pool, concurrency } = this.options;
    const canStart = this.options.canStart ?? (() => true);
    while (
      !this.options.stopped() &&
      canStart() &&
      this.active + this.waiting < concurrency &&
      scheduler.readyCount > this.waiting
    ) {
      const release = pool.tryAcquire();
      if (release) {
        void this.runOne(release);
        continue;
      }
      this.waiting++;
      pool.acquire(this.options.signal).then(
        (granted) => {
          this.waiting--;
          if (this.options.stopped() || scheduler.readyCount === 0 || !canStart()) granted();
          else void this.runOne(granted);
          this.pump();
          this.checkIdle();
        },
        () => {
          this.waiting--;
          this.checkIdle();
        },
      );
    }
  }

  /** One subtask in one slot: one async function, no promise chain around it. */
  private async runOne(release: Release): Promise<void> {
    const index = this.options.scheduler.takeReady()!;
    this.active++;
    let held = true;
    const slot: HeldSlot = {
      releaseEarly: () => {
        if (!held || this.options.scheduler.releasesFirstInLine(index)) return;
        held = false;
        release();
        this.active--;
        this.finishing++;
        this.pump();
      },
    };
    try {
      if ((await this.options.run(index, slot)) === 'deferred') this.options.scheduler.putBack(index);
    } finally {
      if (held) {
        held = false;
        release();
        this.active--;
      } else {
        this.finishing--;
      }
      this.pump();
      this.checkIdle();
    }
  }

  private checkIdle(): void {
    if (!this.busy) this.options.onIdle();
  }
}
