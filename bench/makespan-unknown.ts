// Makespan when the scheduler does not know the durations: each subtask has a tier, and the
// provider sleeps a latency drawn per subtask that the scheduler is never told. Three rankings
// are compared with the clairvoyant greedy schedule (the same list schedule ranked by the true
// durations): tier weights (the default without history), a plain longest path (every
// subtask 1), and the learned estimates (app/learned-durations.ts) after one warm-up task of
// the same shape with fresh latencies. Two latency models: independent of the tier (the issue's
// case), and depending on the model (each tier its own range). Each ranking is simulated exactly
// (no timers) over INSTANCES draws of tiers and latencies per shape (the mean ratio is
// reported: one draw's ordering is mostly luck), and the first draw is also run through the
// engine (real timers, memory store and ledger, 4 slots; learned from the engine's own store).

import { MemoryLedger } from '../src/adapters/ledger/memory-ledger.js';
import { createMemoryStore } from '../src/adapters/stores/memory-store.js';
import { systemClock } from '../src/adapters/system/system-clock.js';
import { learnedDurations } from '../src/app/learned-durations.js';
import { tierWeight } from '../src/core/critical-path.js';
import { estimatorFromSamples } from '../src/core/duration-estimates.js';
import type { Subtask, Tier } from '../src/core/records.js';
import type { TaskStore } from '../src/ports/task-store.js';
import { benchManager } from './bench-manager.js';
import { type BenchDag, fanOutFanIn, layeredRandom, parallelChains, seeded } from './dag-shapes.js';
import { greedyListMakespan, listMakespan } from './schedules.js';
import { sleepingProvider } from './sleeping-provider.js';

const SLOTS = 4;
const INSTANCES = Number(process.env.BENCH_MAKESPAN_INSTANCES ?? '200');

interface Latency {
  name: string;
  /** Latency range in ms for a subtask of this tier. */
  range(tier: Tier): [number, number];
}

const LATENCIES: Latency[] = [
  { name: 'latency independent of tier', range: () => [40, 200] },
  {
    name: 'latency by model',
    range: (tier) => (tier === 1 ? [150, 250] : tier === 2 ? [20, 80] : [60, 140]),
  },
];

interface TieredDag extends BenchDag {
  tiers: Tier[];
}

function drawLatencies(tiers: readonly Tier[], latency: Latency, random: () => number): number[] {
  return tiers.map((tier) => {
    const [min, max] = latency.range(tier);
    return Math.round(min + random() * (max - min));
  });
}

/** `dag` with a tier per subtask and latencies drawn from the latency model. */
function withTiers(dag: BenchDag, latency: Latency, random: () => number): TieredDag {
  const tiers = dag.dependsOn.map(() => (1 + Math.floor(random() * 3)) as Tier);
  return { ...dag, tiers, durations: drawLatencies(tiers, latency, random) };
}

function shapes(random: () => number): BenchDag[] {
  return [
    fanOutFanIn(16, random, 0, 0),
    layeredRandom(5, 6, 0.35, random, 0, 0),
    parallelChains([8, 5, 3, 3, 2, 2, 1], random, 0, 0),
  ];
}

function planOf(dag: TieredDag) {
  return {
    reasoning: dag.name,
    subtasks: dag.dependsOn.map((deps, index) => ({
      description: `node-${index}`,
      tier_hint: dag.tiers[index]!,
      depends_on: deps,
    })),
  };
}

async function engineMakespan(
  dag: TieredDag,
  store: TaskStore,
  estimateDuration?: (subtask: Subtask) => number,
): Promise<number> {
  // Sleeps the subtask's drawn latency; the scheduler is never told it.
  const provider = sleepingProvider(dag.durations, { provider: 'bench-unknown', modelPrefix: 'model-tier-' });
  const manager = benchManager(provider, store, new MemoryLedger(), {
    slots: SLOTS,
    ...(estimateDuration ? { estimateDuration } : {}),
  });
  const started = performance.now();
  const receipt = await manager.submitTask({ prompt: dag.name, plan: planOf(dag) });
  const task = await manager.waitForTask(receipt.id);
  const elapsed = performance.now() - started;
  await manager.close();
  if (task.status !== 'completed') throw new Error(`makespan task ended ${task.status}`);
  return elapsed;
}

export interface UnknownMakespanRow {
  latency: string;
  shape: string;
  subtasks: number;
  instances: number;
  /** Mean over the instances of (makespan / clairvoyant greedy makespan), exact simulation. */
  simulated_mean: Rankings;
  simulated_worst: Rankings;
  /** The first instance through the engine: makespan / clairvoyant greedy makespan. */
  engine_first: Rankings;
  first_greedy_ms: number;
}

interface Rankings {
  tier_weights: number;
  longest_path: number;
  learned: number;
}

const modelOf = (tier: Tier) => `model-tier-${tier}`;

/** Ratios to the clairvoyant schedule of one instance, simulated; learned from `history`. */
function simulate(dag: TieredDag, history: TieredDag): Rankings {
  const greedy = greedyListMakespan(dag, SLOTS);
  const estimate = estimatorFromSamples(
    history.tiers.map((tier, index) => ({ model: modelOf(tier), duration_ms: history.durations[index]! })),
  );
  const learned = dag.tiers.map((tier) =>
    estimate({ model: modelOf(tier), tier_hint: tier, tier_assigned: tier }),
  );
  return {
    tier_weights: listMakespan(dag, SLOTS, dag.tiers.map(tierWeight)) / greedy,
    longest_path:
      listMakespan(
        dag,
        SLOTS,
        dag.tiers.map(() => 1),
      ) / greedy,
    learned: listMakespan(dag, SLOTS, learned) / greedy,
  };
}

async function engineRankings(dag: TieredDag, history: TieredDag): Promise<Rankings> {
  const greedy = greedyListMakespan(dag, SLOTS);
  const store = createMemoryStore();
  await engineMakespan(history, store, () => 1);
  const learned = learnedDurations(store, { clock: systemClock });
  await learned.refresh();
  return {
    tier_weights: (await engineMakespan(dag, createMemoryStore())) / greedy,
    longest_path: (await engineMakespan(dag, createMemoryStore(), () => 1)) / greedy,
    learned: (await engineMakespan(dag, store, learned.estimate)) / greedy,
  };
}

const KEYS = ['tier_weights', 'longest_path', 'learned'] as const;

export async function makespansUnknown(): Promise<UnknownMakespanRow[]> {
  const rows: UnknownMakespanRow[] = [];
  console.log(
    `Makespan with durations unknown to the scheduler, ${SLOTS} slots: ratio to the clairvoyant greedy schedule; mean (worst) of ${INSTANCES} simulated draws, then the first draw through the engine`,
  );
  console.log(
    '  latency                      shape                            tier weights        longest path        learned             engine: tier / path / learned',
  );
  for (const latency of LATENCIES) {
    for (let position = 0; position < 3; position++) {
      const random = seeded(42 + position);
      const mean: Rankings = { tier_weights: 0, longest_path: 0, learned: 0 };
      const worst: Rankings = { tier_weights: 0, longest_path: 0, learned: 0 };
      let first: { dag: TieredDag; history: TieredDag } | undefined;
      for (let instance = 0; instance < INSTANCES; instance++) {
        const dag = withTiers(shapes(random)[position]!, latency, random);
        // The warm-up history: the same shape and tiers, latencies drawn afresh.
        const history: TieredDag = { ...dag, durations: drawLatencies(dag.tiers, latency, random) };
        first ??= { dag, history };
        const ratios = simulate(dag, history);
        for (const key of KEYS) {
          mean[key] += ratios[key] / INSTANCES;
          worst[key] = Math.max(worst[key], ratios[key]);
        }
      }
      const engine = await engineRankings(first!.dag, first!.history);
      const row: UnknownMakespanRow = {
        latency: latency.name,
        shape: first!.dag.name,
        subtasks: first!.dag.dependsOn.length,
        instances: INSTANCES,
        simulated_mean: mean,
        simulated_worst: worst,
        engine_first: engine,
        first_greedy_ms: greedyListMakespan(first!.dag, SLOTS),
      };
      rows.push(row);
      const cell = (key: (typeof KEYS)[number]) =>
        `${mean[key].toFixed(3)} (${worst[key].toFixed(3)})`.padEnd(20);
      console.log(
        `  ${latency.name.padEnd(28)} ${row.shape.padEnd(32)} ${cell('tier_weights')}${cell('longest_path')}${cell('learned')}${KEYS.map((key) => engine[key].toFixed(3)).join(' / ')}`,
      );
    }
  }
  return rows;
}
