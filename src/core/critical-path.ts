// Longest remaining path of each subtask in the plan's DAG: its own estimated duration plus the
// longest chain of dependents after it. Ready subtasks start in this order (critical path
// first), which is the classic HLFET list-scheduling priority.

/**
 * `dependsOn[i]` lists the subtasks i waits for; `duration[i]` is i's estimated duration.
 * Returns rank[i] = duration[i] + max over dependents j of rank[j]. Iterative (no recursion),
 * O(V + E). Assumes the graph is acyclic (validated plans are).
 */
export function longestRemainingPath(
  dependsOn: readonly (readonly number[])[],
  duration: readonly number[],
): number[] {
  const count = dependsOn.length;
  const dependents: number[][] = Array.from({ length: count }, () => []);
  const outstanding = new Array<number>(count).fill(0);
  for (let index = 0; index < count; index++) {
    for (const dependency of dependsOn[index] ?? []) {
      dependents[dependency]?.push(index);
    }
  }
  for (let index = 0; index < count; index++) outstanding[index] = dependents[index]?.length ?? 0;
  // Process sinks first (reverse topological order).
  const rank = new Array<number>(count).fill(0);
  const stack: number[] = [];
  for (let index = 0; index < count; index++) if (outstanding[index] === 0) stack.push(index);
  while (stack.length > 0) {
    const node = stack.pop()!;
    let best = 0;
    for (const dependent of dependents[node] ?? []) best = Math.max(best, rank[dependent] ?? 0);
    rank[node] = (duration[node] ?? 1) + best;
    for (const dependency of dependsOn[node] ?? []) {
      const left = (outstanding[dependency] ?? 0) - 1;
      outstanding[dependency] = left;
      if (left === 0) stack.push(dependency);
    }
  }
  return rank;
}

/** Expected relative duration of a tier when nothing better is known. */
export function tierWeight(tier: number): number {
  return tier >= 3 ? 4 : tier === 2 ? 2 : 1;
}
