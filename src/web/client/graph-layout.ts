// The plan's DAG laid out for drawing: one column per depth (a step sits one column right of
// its deepest dependency), steps in a column ordered near their dependencies, one edge per
// dependency, and the critical path (the longest chain by duration, src/core/critical-path.ts)
// marked. Pure, so tests run it in Node.

import { longestRemainingPath, tierWeight } from '../../core/critical-path.js';
import type { Subtask } from '../../core/records.js';

export const NODE_WIDTH = 156;
export const NODE_HEIGHT = 44;
const COLUMN_GAP = 44;
const ROW_GAP = 14;
const MARGIN = 8;

export interface GraphNode {
  index: number;
  depth: number;
  x: number;
  y: number;
}

export interface GraphEdge {
  from: number;
  to: number;
  critical: boolean;
}

export interface GraphLayout {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Step indexes on the critical path, first to last. */
  criticalPath: number[];
  width: number;
  height: number;
}

/** Depth of each step (0 for roots); a cycle (never in a validated plan) counts as depth 0. */
export function depthsOf(subtasks: readonly Pick<Subtask, 'depends_on'>[]): number[] {
  const depths = new Array<number>(subtasks.length).fill(-1);
  const visit = (index: number, trail: Set<number>): number => {
    const known = depths[index]!;
    if (known >= 0) return known;
    if (trail.has(index)) return 0;
    trail.add(index);
    let depth = 0;
    for (const dependency of subtasks[index]!.depends_on) {
      if (dependency >= 0 && dependency < subtasks.length)
        depth = Math.max(depth, visit(dependency, trail) + 1);
    }
    trail.delete(index);
    depths[index] = depth;
    return depth;
  };
  for (let index = 0; index < subtasks.length; index++) visit(index, new Set());
  return depths;
}

/**
 * Durations for the critical path: a step's actual time once it has one (completed_at -
 * started_at, or time so far while it runs), else its tier's weight in the average time per
 * weight of the steps that have one (tier weights alone when none has).
 */
export function durationsOf(subtasks: readonly Subtask[], now: number): number[] {
  const actual = subtasks.map((subtask) => {
    if (!subtask.started_at) return null;
    const end = subtask.completed_at ? Date.parse(subtask.completed_at) : now;
    const value = end - Date.parse(subtask.started_at);
    return Number.isFinite(value) ? Math.max(value, 1) : null;
  });
  let time = 0;
  let weight = 0;
  subtasks.forEach((subtask, index) => {
    const value = actual[index];
    if (value === null || value === undefined) return;
    time += value;
    weight += tierWeight(subtask.tier_assigned ?? subtask.tier_hint);
  });
  const perWeight = weight > 0 ? time / weight : 1;
  return subtasks.map(
    (subtask, index) => actual[index] ?? perWeight * tierWeight(subtask.tier_assigned ?? subtask.tier_hint),
  );
}

/** The longest chain by duration, first step to last. */
export function criticalPathOf(
  dependsOn: readonly (readonly number[])[],
  durations: readonly number[],
): number[] {
  if (dependsOn.length === 0) return [];
  const rank = longestRemainingPath(dependsOn, durations);
  const dependents: number[][] = dependsOn.map(() => []);
  dependsOn.forEach((list, index) => {
    for (const dependency of list)
      if (dependency >= 0 && dependency < dependsOn.length) dependents[dependency]!.push(index);
  });
  let current = 0;
  for (let index = 1; index < rank.length; index++) if (rank[index]! > rank[current]!) current = index;
  const path = [current];
  for (;;) {
    let next = -1;
    for (const candidate of dependents[current]!)
      if (next < 0 || rank[candidate]! > rank[next]!) next = candidate;
    if (next < 0) return path;
    path.push(next);
    current = next;
  }
}

export function layoutGraph(subtasks: readonly Subtask[], now: number): GraphLayout {
  const count = subtasks.length;
  const depths = depthsOf(subtasks);
  const dependsOn = subtasks.map((subtask) =>
    subtask.depends_on.filter((dependency) => dependency >= 0 && dependency < count),
  );
  const criticalPath = criticalPathOf(dependsOn, durationsOf(subtasks, now));
  const onPath = new Map<number, number>(criticalPath.map((index, position) => [index, position]));

  // Columns by depth; within a column, by the mean row of the dependencies (fewer crossings).
  const columns: number[][] = Array.from({ length: Math.max(0, ...depths) + 1 }, () => []);
  depths.forEach((depth, index) => {
    columns[depth]!.push(index);
  });
  const row = new Array<number>(count).fill(0);
  for (const column of columns) {
    const key = (index: number) => {
      const list = dependsOn[index]!;
      return list.length === 0
        ? index
        : list.reduce((sum, dependency) => sum + row[dependency]!, 0) / list.length;
    };
    column.sort((a, b) => key(a) - key(b) || a - b);
    column.forEach((index, position) => {
      row[index] = position;
    });
  }
  const nodes: GraphNode[] = subtasks.map((_subtask, index) => ({
    index,
    depth: depths[index]!,
    x: MARGIN + depths[index]! * (NODE_WIDTH + COLUMN_GAP),
    y: MARGIN + row[index]! * (NODE_HEIGHT + ROW_GAP),
  }));
  const edges: GraphEdge[] = [];
  dependsOn.forEach((list, to) => {
    for (const from of list) {
      const position = onPath.get(from);
      edges.push({ from, to, critical: position !== undefined && criticalPath[position + 1] === to });
    }
  });
  const tallest = Math.max(1, ...columns.map((column) => column.length));
  return {
    nodes,
    edges,
    criticalPath,
    width: MARGIN * 2 + columns.length * NODE_WIDTH + Math.max(0, columns.length - 1) * COLUMN_GAP,
    height: MARGIN * 2 + tallest * NODE_HEIGHT + (tallest - 1) * ROW_GAP,
  };
}
