// Longest remaining path of each subtask in the plan's DAG: its own estimated duration plus the
// longest chain of dependents after it. Ready subtasks start in this order (critical path
// first), which is the classic HLFET list-scheduling priority.

import { dependentsOf } from './dependents.js';

/**
 * `dependsOn[i]` lists the subtasks i waits for; `duration[i]` is i's estimated duration.
 * Returns rank[i] = duration[i] + max over dependents j of rank[j]. Iterative (no recursion),
 * O(V + E). Assumes the graph is acyclic (validated plans are).
 */
export function longestRemainingPath(
  dependsOn: readonly (readonly number[])[],
  duration: readonly number[],
): Float64Array {
  const count = dependsOn.length;
  const { offsets, targets } = dependentsOf(dependsOn);
  const outstanding = new Int32Array(count);
  for (let index = 0; index < count; index++) outstanding[index] = offsets[index + 1]! - offsets[index]!;
  // Process sinks first (reverse topological order).
  const rank = new Float64Array(count);
  const stack = new Int32Array(count);
  let depth = 0;
  for (let index = 0; index < count; index++) if (outstanding[index] === 0) stack[depth++] = index;
  while (depth > 0) {
    const node = stack[--depth]!;
    let best = 0;
    for (let at = offsets[node]!; at < offsets[node + 1]!; at++) best = Math.max(best, rank[targets[at]!]!);
    rank[node] = (duration[node] ?? 1) + best;
    const list = dependsOn[node]!;
    for (let at = 0; at < list.length; at++) {
      const dependency = list[at]!;
      if (dependency < 0 || dependency >= count) continue;
      const left = outstanding[dependency]! - 1;
      outstanding[dependency] = left;
      if (left === 0) stack[depth++] = dependency;
    }
  }
  return rank;
}

/** Expected relative duration of a tier when nothing better is known. */
export function tierWeight(tier: number): number {
  return tier >= 3 ? 4 : tier === 2 ? 2 : 1;
}
