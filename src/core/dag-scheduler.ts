// The scheduling decisions, as a pure state machine: which subtasks are ready, in what order
// they start (longest remaining path first, then index), and which dependents a failure
// blocks. The task runner feeds it completions and failures as they happen: no waves, no polling.

import { type Dependents, dependentsOf } from './dependents.js';
import { RankedHeap } from './ranked-heap.js';

// Node states, one byte each.
const WAITING = 0;
const READY = 1;
const RUNNING = 2;
const SUCCEEDED = 3;
const ENDED = 4;

export interface Blocked {
  index: number;
  /** The direct dependency whose failure blocks this subtask. */
  dependency: number;
}

/**
 * Where a subtask stands when a (resumed) run begins; `running`: it started before the
 * scheduler was made (the streaming planner started it), and ends through succeed or fail.
 */
export type InitialState = 'open' | 'succeeded' | 'ended' | 'running';

export class DagScheduler {
  private readonly dependents: Dependents;
  private readonly outstanding: Int32Array;
  private readonly state: Uint8Array;
  private readonly ready: RankedHeap;
  private unfinished = 0;

  constructor(
    dependsOn: readonly (readonly number[])[],
    rank: ArrayLike<number>,
    initial?: readonly InitialState[],
  ) {
    const count = dependsOn.length;
    this.ready = new RankedHeap(rank);
    this.dependents = dependentsOf(dependsOn);
    this.outstanding = new Int32Array(count);
    this.state = new Uint8Array(count);
    for (let index = 0; index < count; index++) {
      const start = initial?.[index] ?? 'open';
      if (start === 'succeeded') this.state[index] = SUCCEEDED;
      else if (start === 'ended') this.state[index] = ENDED;
      else {
        if (start === 'running') this.state[index] = RUNNING;
        this.unfinished++;
      }
    }
    for (let index = 0; index < count; index++) {
      if (this.state[index] !== WAITING) continue;
      let waitingOn = 0;
      const list = dependsOn[index]!;
      for (let at = 0; at < list.length; at++) {
        const dependency = list[at]!;
        if (dependency >= 0 && dependency < count && this.state[dependency] !== SUCCEEDED) waitingOn++;
      }
      this.outstanding[index] = waitingOn;
    }
  }

  /**
   * Subtasks that can never run because a dependency already ended without success
   * (only possible on a resumed run). Call once, right after construction.
   */
  initiallyBlocked(): Blocked[] {
    const blocked: Blocked[] = [];
    for (let index = 0; index < this.state.length; index++) {
      if (this.state[index] !== ENDED) continue;
      if (!this.hasOpenDependents(index)) continue;
      blocked.push(...this.blockDependents(index));
    }
    return blocked;
  }

  /** Subtasks whose dependencies have all succeeded and that have not been announced yet. */
  releaseInitial(): number[] {
    const released: number[] = [];
    for (let index = 0; index < this.state.length; index++) {
      if (this.state[index] === WAITING && this.outstanding[index] === 0) {
        this.makeReady(index);
        released.push(index);
      }
    }
    return released;
  }

  get readyCount(): number {
    return this.ready.size;
  }

  /** True when every subtask succeeded or ended. */
  get finished(): boolean {
    return this.unfinished === 0;
  }

  /** Takes the highest-priority ready subtask and marks it running. */
  takeReady(): number | undefined {
    const index = this.ready.pop();
    if (index !== undefined) this.state[index] = RUNNING;
    return index;
  }

  /** A taken subtask did not start after all (it waits for budget): ready again, same rank. */
  putBack(index: number): void {
    if (this.state[index] !== RUNNING) throw new Error(`subtask ${index} is not running`);
    this.makeReady(index);
  }

  /** A running subtask succeeded; returns the dependents that became ready. */
  succeed(index: number): number[] {
    this.finish(index, SUCCEEDED);
    const released: number[] = [];
    const { offsets, targets } = this.dependents;
    for (let at = offsets[index]!; at < offsets[index + 1]!; at++) {
      const dependent = targets[at]!;
      if (this.state[dependent] !== WAITING) continue;
      const left = this.outstanding[dependent]! - 1;
      this.outstanding[dependent] = left;
      if (left === 0) {
        this.makeReady(dependent);
        released.push(dependent);
      }
    }
    return released;
  }

  /**
   * Whether the success of running subtask `index` would make ready a dependent that comes
   * before every subtask ready now (or nothing is ready): the slot `index` frees should then
   * wait for that dependent rather than go to a lower-ranked subtask.
   */
  releasesFirstInLine(index: number): boolean {
    const best = this.ready.peek();
    const { offsets, targets } = this.dependents;
    for (let at = offsets[index]!; at < offsets[index + 1]!; at++) {
      const dependent = targets[at]!;
      if (this.state[dependent] !== WAITING || this.outstanding[dependent] !== 1) continue;
      if (best === undefined || this.ready.before(dependent, best)) return true;
    }
    return false;
  }

  /**
   * A subtask ended without success (failed, skipped, cancelled); every transitive dependent
   * not yet started is blocked. Returns them in discovery order, each naming the direct
   * dependency that blocks it.
   */
  fail(index: number): Blocked[] {
    this.finish(index, ENDED);
    return this.blockDependents(index);
  }

  /** Ends every subtask that has not started (cancellation); returns them. */
  drainUnstarted(): number[] {
    const drained: number[] = [];
    for (let index = 0; index < this.state.length; index++) {
      const state = this.state[index];
      if (state === WAITING || state === READY) {
        this.state[index] = ENDED;
        this.unfinished--;
        drained.push(index);
      }
    }
    this.ready.clear();
    return drained;
  }

  private hasOpenDependents(index: number): boolean {
    const { offsets, targets } = this.dependents;
    for (let at = offsets[index]!; at < offsets[index + 1]!; at++) {
      if (this.state[targets[at]!] === WAITING) return true;
    }
    return false;
  }

  private blockDependents(start: number): Blocked[] {
    const blocked: Blocked[] = [];
    const stack = [start];
    const { offsets, targets } = this.dependents;
    while (stack.length > 0) {
      const node = stack.pop()!;
      for (let at = offsets[node]!; at < offsets[node + 1]!; at++) {
        const dependent = targets[at]!;
        const state = this.state[dependent];
        if (state !== WAITING && state !== READY) continue;
        if (state === READY) this.ready.remove(dependent);
        this.state[dependent] = ENDED;
        this.unfinished--;
        blocked.push({ index: dependent, dependency: node });
        stack.push(dependent);
      }
    }
    return blocked;
  }

  private finish(index: number, state: typeof SUCCEEDED | typeof ENDED): void {
    const current = this.state[index];
    if (current === SUCCEEDED || current === ENDED) {
      throw new Error(`subtask ${index} finished twice`);
    }
    if (current === READY) this.ready.remove(index);
    this.state[index] = state;
    this.unfinished--;
  }

  private makeReady(index: number): void {
    this.state[index] = READY;
    this.ready.push(index);
  }
}
