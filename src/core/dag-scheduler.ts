// The scheduling decisions, as a pure state machine: which subtasks are ready, in what order
// they start (longest remaining path first, then index), and which dependents a failure
// blocks. The task runner feeds it completions and failures as they happen: no waves, no polling.

type NodeState = 'waiting' | 'ready' | 'running' | 'succeeded' | 'ended';

export interface Blocked {
  index: number;
  /** The direct dependency whose failure blocks this subtask. */
  dependency: number;
}

/** Where a subtask stands when a (resumed) run begins. */
export type InitialState = 'open' | 'succeeded' | 'ended';

export class DagScheduler {
  private readonly dependents: number[][];
  private readonly outstanding: number[];
  private readonly state: NodeState[];
  private readonly heap: number[] = [];
  private unfinished = 0;

  constructor(
    dependsOn: readonly (readonly number[])[],
    private readonly rank: readonly number[],
    initial?: readonly InitialState[],
  ) {
    const count = dependsOn.length;
    this.dependents = Array.from({ length: count }, () => []);
    this.outstanding = new Array<number>(count).fill(0);
    this.state = new Array<NodeState>(count).fill('waiting');
    for (let index = 0; index < count; index++) {
      for (const dependency of dependsOn[index] ?? []) this.dependents[dependency]?.push(index);
    }
    for (let index = 0; index < count; index++) {
      const start = initial?.[index] ?? 'open';
      if (start === 'succeeded') this.state[index] = 'succeeded';
      else if (start === 'ended') this.state[index] = 'ended';
      else this.unfinished++;
    }
    for (let index = 0; index < count; index++) {
      if (this.state[index] !== 'waiting') continue;
      let waitingOn = 0;
      for (const dependency of dependsOn[index] ?? []) {
        if (this.state[dependency] !== 'succeeded') waitingOn++;
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
      if (this.state[index] !== 'ended') continue;
      if (!this.hasOpenDependents(index)) continue;
      blocked.push(...this.blockDependents(index));
    }
    return blocked;
  }

  /** Subtasks whose dependencies have all succeeded and that have not been announced yet. */
  releaseInitial(): number[] {
    const released: number[] = [];
    for (let index = 0; index < this.state.length; index++) {
      if (this.state[index] === 'waiting' && this.outstanding[index] === 0) {
        this.makeReady(index);
        released.push(index);
      }
    }
    return released;
  }

  get readyCount(): number {
    return this.heap.length;
  }

  /** True when every subtask succeeded or ended. */
  get finished(): boolean {
    return this.unfinished === 0;
  }

  /** Takes the highest-priority ready subtask and marks it running. */
  takeReady(): number | undefined {
    const index = this.popHeap();
    if (index !== undefined) this.state[index] = 'running';
    return index;
  }

  /** A running subtask succeeded; returns the dependents that became ready. */
  succeed(index: number): number[] {
    this.finish(index, 'succeeded');
    const released: number[] = [];
    for (const dependent of this.dependents[index] ?? []) {
      if (this.state[dependent] !== 'waiting') continue;
      const left = (this.outstanding[dependent] ?? 0) - 1;
      this.outstanding[dependent] = left;
      if (left === 0) {
        this.makeReady(dependent);
        released.push(dependent);
      }
    }
    return released;
  }

  /**
   * A subtask ended without success (failed, skipped, cancelled); every transitive dependent
   * not yet started is blocked. Returns them in discovery order, each naming the direct
   * dependency that blocks it.
   */
  fail(index: number): Blocked[] {
    this.finish(index, 'ended');
    return this.blockDependents(index);
  }

  /** Ends every subtask that has not started (cancellation); returns them. */
  drainUnstarted(): number[] {
    const drained: number[] = [];
    for (let index = 0; index < this.state.length; index++) {
      const state = this.state[index];
      if (state === 'waiting' || state === 'ready') {
        this.state[index] = 'ended';
        this.unfinished--;
        drained.push(index);
      }
    }
    this.heap.length = 0;
    return drained;
  }

  private hasOpenDependents(index: number): boolean {
    return (this.dependents[index] ?? []).some((dependent) => this.state[dependent] === 'waiting');
  }

  private blockDependents(start: number): Blocked[] {
    const blocked: Blocked[] = [];
    const stack = [start];
    while (stack.length > 0) {
      const node = stack.pop()!;
      for (const dependent of this.dependents[node] ?? []) {
        const state = this.state[dependent];
        if (state !== 'waiting' && state !== 'ready') continue;
        if (state === 'ready') this.removeFromHeap(dependent);
        this.state[dependent] = 'ended';
        this.unfinished--;
        blocked.push({ index: dependent, dependency: node });
        stack.push(dependent);
      }
    }
    return blocked;
  }

  private finish(index: number, state: 'succeeded' | 'ended'): void {
    const current = this.state[index];
    if (current === 'succeeded' || current === 'ended') {
      throw new Error(`subtask ${index} finished twice`);
    }
    if (current === 'ready') this.removeFromHeap(index);
    this.state[index] = state;
    this.unfinished--;
  }

  private makeReady(index: number): void {
    this.state[index] = 'ready';
    this.pushHeap(index);
  }

  // Binary max-heap on (rank, -index).
  private before(a: number, b: number): boolean {
    const rankA = this.rank[a] ?? 0;
    const rankB = this.rank[b] ?? 0;
    return rankA !== rankB ? rankA > rankB : a < b;
  }

  private pushHeap(index: number): void {
    const heap = this.heap;
    heap.push(index);
    let child = heap.length - 1;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!this.before(heap[child]!, heap[parent]!)) break;
      [heap[child], heap[parent]] = [heap[parent]!, heap[child]!];
      child = parent;
    }
  }

  private popHeap(): number | undefined {
    const heap = this.heap;
    if (heap.length === 0) return undefined;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  private siftDown(start: number): void {
    const heap = this.heap;
    let parent = start;
    for (;;) {
      const left = parent * 2 + 1;
      const right = left + 1;
      let best = parent;
      if (left < heap.length && this.before(heap[left]!, heap[best]!)) best = left;
      if (right < heap.length && this.before(heap[right]!, heap[best]!)) best = right;
      if (best === parent) return;
      [heap[parent], heap[best]] = [heap[best]!, heap[parent]!];
      parent = best;
    }
  }

  private removeFromHeap(index: number): void {
    const position = this.heap.indexOf(index);
    if (position < 0) return;
    const last = this.heap.pop()!;
    if (position < this.heap.length) {
      this.heap[position] = last;
      this.siftDown(position);
      // Sift up as well: the moved element may outrank its new parent.
      let child = position;
      while (child > 0) {
        const parent = (child - 1) >> 1;
        if (!this.before(this.heap[child]!, this.heap[parent]!)) break;
        [this.heap[child], this.heap[parent]] = [this.heap[parent]!, this.heap[child]!];
        child = parent;
      }
    }
  }
}
