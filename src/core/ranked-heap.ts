// The scheduler's ready queue: a binary max-heap of subtask indexes on (rank, -index), so the
// highest-ranked subtask comes first and ties go to the lower index. Pure.

export class RankedHeap {
  private readonly heap: number[] = [];

  constructor(private readonly rank: ArrayLike<number>) {}

  get size(): number {
    return this.heap.length;
  }

  /** The first in line, without taking it. */
  peek(): number | undefined {
    return this.heap[0];
  }

  /** Whether `a` comes before `b`: higher rank, then lower index. */
  before(a: number, b: number): boolean {
    const rankA = this.rank[a] ?? 0;
    const rankB = this.rank[b] ?? 0;
    return rankA !== rankB ? rankA > rankB : a < b;
  }

  push(index: number): void {
    this.heap.push(index);
    this.siftUp(this.heap.length - 1);
  }

  /** Takes the first in line. */
  pop(): number | undefined {
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

  /** Removes `index` wherever it is (nothing if it is not queued). */
  remove(index: number): void {
    const position = this.heap.indexOf(index);
    if (position < 0) return;
    const last = this.heap.pop()!;
    if (position < this.heap.length) {
      this.heap[position] = last;
      this.siftDown(position);
      // Sift up as well: the moved element may outrank its new parent.
      this.siftUp(position);
    }
  }

  clear(): void {
    this.heap.length = 0;
  }

  private siftUp(start: number): void {
    const heap = this.heap;
    let child = start;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!this.before(heap[child]!, heap[parent]!)) break;
      swap(heap, child, parent);
      child = parent;
    }
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
      swap(heap, parent, best);
      parent = best;
    }
  }
}

/** Swaps two entries in place (a destructuring swap allocates an array when not optimised). */
function swap(list: number[], a: number, b: number): void {
  const held = list[a]!;
  list[a] = list[b]!;
  list[b] = held;
}
