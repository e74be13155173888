import { describe, expect, it } from 'vitest';
import { RankedHeap } from '../../src/core/ranked-heap.js';

/** A small deterministic generator (the test must not depend on Math.random). */
function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** The order the heap must give: higher rank first, then lower index. */
function expectedOrder(indexes: number[], rank: number[]): number[] {
  return [...indexes].sort((a, b) => (rank[b]! !== rank[a]! ? rank[b]! - rank[a]! : a - b));
}

describe('RankedHeap', () => {
  it('pops by rank, ties by lower index, and peeks without taking', () => {
    const heap = new RankedHeap([1, 5, 5, 3]);
    for (const index of [3, 2, 0, 1]) heap.push(index);
    expect(heap.size).toBe(4);
    expect(heap.peek()).toBe(1);
    expect(heap.size).toBe(4);
    expect([heap.pop(), heap.pop(), heap.pop(), heap.pop(), heap.pop()]).toEqual([1, 2, 3, 0, undefined]);
    expect(heap.size).toBe(0);
  });

  it('keeps the order after removals anywhere, across random ranks', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const random = lcg(seed);
      const count = 1 + Math.floor(random() * 40);
      const rank = Array.from({ length: count }, () => Math.floor(random() * 6));
      const heap = new RankedHeap(rank);
      const queued = new Set<number>();
      for (let index = 0; index < count; index++) {
        heap.push(index);
        queued.add(index);
      }
      for (const index of [...queued]) {
        if (random() < 0.4) {
          heap.remove(index);
          queued.delete(index);
        }
      }
      heap.remove(count + 7); // not queued: nothing happens
      expect(heap.size).toBe(queued.size);
      const popped: number[] = [];
      for (let next = heap.pop(); next !== undefined; next = heap.pop()) popped.push(next);
      expect(popped).toEqual(expectedOrder([...queued], rank));
    }
  });

  it('is empty after clear, and an index missing from the ranks counts as rank 0', () => {
    const heap = new RankedHeap([2]);
    heap.push(0);
    heap.push(1);
    expect(heap.before(0, 1)).toBe(true);
    heap.clear();
    expect(heap.size).toBe(0);
    expect(heap.peek()).toBeUndefined();
  });
});
