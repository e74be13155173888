// Seeded workloads for the crash tests: tasks whose subtasks carry `T<n>S<i>` tags (so that the
// counting provider can tell which subtask a call was for) and simulator latencies long enough
// for a kill to land mid-run. Some tasks are given a plan, others a prompt the planner splits.

import type { PlanInput } from '../../src/core/plan-schema.js';

export interface WorkloadTask {
  /** `T<n>`: the tag its subtasks and planning call carry. */
  tag: string;
  prompt?: string;
  plan?: PlanInput;
}

/** mulberry32: a small seeded generator, so that a failing seed can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function between(random: () => number, low: number, high: number): number {
  return low + Math.floor(random() * (high - low + 1));
}

export interface WorkloadOptions {
  tasks: number;
  /** Subtasks per task, inclusive range. Default [4, 7]. */
  subtasks?: readonly [number, number];
  /** Simulated latency per subtask call in ms (before the latency scale). Default [80, 300]. */
  latencyMs?: readonly [number, number];
  /** Share of tasks given as a prompt for the planner instead of a plan. Default 1/3. */
  promptShare?: number;
  /** Share of subtasks that fail their first attempt (retried). Default 0.15. */
  flakyShare?: number;
}

/** Tasks T<first>..: random DAGs (each subtask depends on a random set of earlier ones). */
export function makeWorkload(random: () => number, options: WorkloadOptions, first = 0): WorkloadTask[] {
  const [fewest, most] = options.subtasks ?? [4, 7];
  const [fastest, slowest] = options.latencyMs ?? [80, 300];
  const promptShare = options.promptShare ?? 1 / 3;
  const flakyShare = options.flakyShare ?? 0.15;
  const tasks: WorkloadTask[] = [];
  for (let number = first; number < first + options.tasks; number++) {
    const tag = `T${number}`;
    const count = between(random, fewest, most);
    const directive = () => {
      const flaky = random() < flakyShare ? ' fail_first=1' : '';
      return `[[sim latency=${between(random, fastest, slowest)}${flaky}]]`;
    };
    if (random() < promptShare) {
      // The simulated planner gives one step per list item; a "then" item waits for those before.
      const lines = [`crash task ${tag} [[sim plan_latency=${between(random, fastest, slowest)}]]:`];
      for (let index = 0; index < count; index++) {
        const then = index > 0 && random() < 0.3 ? 'then ' : '';
        lines.push(`${index + 1}. ${then}crash step ${tag}S${index} ${directive()}`);
      }
      tasks.push({ tag, prompt: lines.join('\n') });
      continue;
    }
    const subtasks = [];
    for (let index = 0; index < count; index++) {
      const depends_on: number[] = [];
      for (let earlier = 0; earlier < index; earlier++) if (random() < 0.35) depends_on.push(earlier);
      subtasks.push({ description: `crash step ${tag}S${index} ${directive()}`, tier_hint: 1, depends_on });
    }
    tasks.push({ tag, plan: { prompt: `crash task ${tag}`, reasoning: 'crash workload', subtasks } });
  }
  return tasks;
}
