// Reference schedules computed by simulation (no timers): the greedy critical-path list
// schedule (HLFET), the original's waves, and the lower bound max(critical path, work/slots).

import { longestRemainingPath } from '../src/core/critical-path.js';
import { DagScheduler } from '../src/core/dag-scheduler.js';
import type { BenchDag } from './dag-shapes.js';

/** Event-driven list schedule: whenever a slot is free, start the highest-ranked ready node. */
export function greedyListMakespan(dag: BenchDag, slots: number): number {
  return listMakespan(dag, slots, dag.durations);
}

/**
 * The same list schedule when the scheduler ranks by `estimates` (longest remaining path over
 * them) while nodes take their true durations: what the engine does when durations are unknown.
 */
export function listMakespan(dag: BenchDag, slots: number, estimates: readonly number[]): number {
  const rank = longestRemainingPath(dag.dependsOn, estimates);
  const scheduler = new DagScheduler(dag.dependsOn, rank);
  scheduler.releaseInitial();
  const running: { end: number; index: number }[] = [];
  let now = 0;
  while (!scheduler.finished) {
    while (running.length < slots && scheduler.readyCount > 0) {
      const index = scheduler.takeReady()!;
      running.push({ end: now + dag.durations[index]!, index });
    }
    running.sort((a, b) => a.end - b.end || a.index - b.index);
    const next = running.shift()!;
    now = next.end;
    scheduler.succeed(next.index);
  }
  return now;
}

/**
 * The original's waves: all ready nodes are submitted to a 4-worker pool, and the next wave
 * is computed only when the whole wave has finished.
 */
export function wavesMakespan(dag: BenchDag, slots: number): number {
  const done = new Set<number>();
  let now = 0;
  while (done.size < dag.dependsOn.length) {
    const wave = dag.dependsOn
      .map((deps, index) => ({ deps, index }))
      .filter(({ deps, index }) => !done.has(index) && deps.every((dependency) => done.has(dependency)))
      .map(({ index }) => index);
    const workers = new Array<number>(slots).fill(now);
    for (const index of wave) {
      workers.sort((a, b) => a - b);
      workers[0] = workers[0]! + dag.durations[index]!;
    }
    now = Math.max(...workers);
    for (const index of wave) done.add(index);
  }
  return now;
}

export function lowerBound(dag: BenchDag, slots: number): number {
  const rank = longestRemainingPath(dag.dependsOn, dag.durations);
  const criticalPath = Math.max(...rank);
  const work = dag.durations.reduce((sum, duration) => sum + duration, 0);
  return Math.max(criticalPath, work / slots);
}
