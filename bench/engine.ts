// Engine benchmark (figures, not a test):
// 1. engine throughput with a zero-latency provider on a 10,000-subtask DAG: the default
//    configuration first (SQLite store and fsync'd file ledger), per-subtask overhead in ms and
//    subtasks/s, then the rows with the memory store and/or the memory ledger;
// 2. makespan of generated DAGs with latencies the scheduler is told, on 4 slots, against the
//    greedy critical-path list schedule, the lower bound max(critical path, work / slots) and
//    the original's waves;
// 3. makespan with latencies the scheduler is NOT told (makespan-unknown.ts): tier weights,
//    plain longest path and learned estimates against the clairvoyant greedy schedule;
// 4. per-subtask overhead through the claude-cli provider beside the original module
//    (claude-cli-overhead.ts).
// Prints tables and writes bench/results/engine.json.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileLedger } from '../src/adapters/ledger/file-ledger.js';
import { MemoryLedger } from '../src/adapters/ledger/memory-ledger.js';
import { createMemoryStore } from '../src/adapters/stores/memory-store.js';
import { openSqliteStore } from '../src/adapters/stores/sqlite-store.js';
import type { Tier } from '../src/core/records.js';
import type { Ledger } from '../src/ports/ledger.js';
import type { ModelProvider } from '../src/ports/model-provider.js';
import type { TaskStore } from '../src/ports/task-store.js';
import { benchManager } from './bench-manager.js';
import { claudeCliOverhead } from './claude-cli-overhead.js';
import { type BenchDag, fanOutFanIn, layeredRandom, parallelChains, seeded } from './dag-shapes.js';
import { makespansUnknown } from './makespan-unknown.js';
import { COMPILED, RESULTS_DIR } from './results-dir.js';
import { greedyListMakespan, lowerBound, wavesMakespan } from './schedules.js';
import { sleepingProvider } from './sleeping-provider.js';

const SLOTS = 4;
const zeroLatencyProvider: ModelProvider = {
  name: 'bench-zero',
  modelFor: (tier: Tier) => `tier-${tier}`,
  complete: async () => ({ text: 'ok', inputTokens: 10, outputTokens: 10, costUsd: 0 }),
};

function planOf(dag: BenchDag) {
  return {
    reasoning: dag.name,
    subtasks: dag.dependsOn.map((deps, index) => ({
      description: `node-${index}`,
      tier_hint: 1,
      depends_on: deps,
    })),
  };
}

function managerFor(provider: ModelProvider, store: TaskStore, ledger: Ledger, durations?: number[]) {
  return benchManager(provider, store, ledger, {
    slots: SLOTS,
    ...(durations ? { estimateDuration: (subtask: { index: number }) => durations[subtask.index] ?? 1 } : {}),
  });
}

async function engineMakespan(dag: BenchDag): Promise<number> {
  const manager = managerFor(
    sleepingProvider(dag.durations, { provider: 'bench-sleep', modelPrefix: 'tier-' }),
    createMemoryStore(),
    new MemoryLedger(),
    dag.durations,
  );
  const receipt = await manager.submitTask({ prompt: dag.name, plan: planOf(dag) });
  const started = performance.now();
  const task = await manager.waitForTask(receipt.id);
  const elapsed = performance.now() - started;
  if (task.status !== 'completed') throw new Error(`bench task ended ${task.status}`);
  await manager.close();
  return elapsed;
}

async function runThroughput(
  count: number,
  open: () => Promise<{ store: TaskStore; ledger: Ledger; cleanup(): Promise<void> }>,
) {
  const random = seeded(7);
  const dag = layeredRandom(count / 100, 100, 0.02, random, 0, 0);
  const { store, ledger, cleanup } = await open();
  const manager = benchManager(zeroLatencyProvider, store, ledger, { slots: 16, globalSlots: 16 });
  // The clock covers the engine's work: submit (validation included) to the finished task.
  const plan = planOf(dag);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const receipt = await manager.submitTask({ prompt: 'throughput', plan });
  const task = await manager.waitForTask(receipt.id);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  if (task.status !== 'completed') throw new Error(`throughput task ended ${task.status}`);
  await manager.close();
  await cleanup();
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

const WARMUP_RUNS = Number(process.env.BENCH_WARMUP_RUNS ?? '2');
const MEASURED_RUNS = Number(process.env.BENCH_RUNS ?? '5');

/**
 * Full-size warm-up runs first (the JIT settles over the first few), then the measured runs;
 * the best and the median are both reported, wall clock and CPU time.
 */
async function throughput(
  label: string,
  count: number,
  open: () => Promise<{ store: TaskStore; ledger: Ledger; cleanup(): Promise<void> }>,
) {
  for (let run = 0; run < WARMUP_RUNS; run++) await runThroughput(count, open);
  const runs = [];
  for (let round = 0; round < MEASURED_RUNS; round++) runs.push(await runThroughput(count, open));
  const bySpeed = [...runs].sort((a, b) => a.seconds - b.seconds);
  const best = bySpeed[0]!;
  const median = bySpeed[Math.floor(bySpeed.length / 2)]!;
  const perSecond = Math.round(count / best.seconds);
  const medianPerSecond = Math.round(count / median.seconds);
  const perCpuSecond = Math.round(count / best.cpuSeconds);
  const msPerSubtask = (best.seconds * 1000) / count;
  const medianMsPerSubtask = (median.seconds * 1000) / count;
  console.log(
    `  ${label.padEnd(34)} ${msPerSubtask.toFixed(4)} ms/subtask, best ${String(perSecond).padStart(7)} subtasks/s (${best.seconds.toFixed(3)} s); median ${medianMsPerSubtask.toFixed(4)} ms, ${String(medianPerSecond).padStart(7)}/s; ${String(perCpuSecond).padStart(7)} per CPU-second (best)`,
  );
  return {
    label,
    subtasks: count,
    ms_per_subtask: msPerSubtask,
    median_ms_per_subtask: medianMsPerSubtask,
    seconds: best.seconds,
    cpu_seconds: best.cpuSeconds,
    subtasks_per_second: perSecond,
    median_subtasks_per_second: medianPerSecond,
    subtasks_per_cpu_second: perCpuSecond,
    runs,
  };
}

async function main() {
  console.log(
    `Throughput, zero-latency provider, 10,000-subtask layered DAG, default configuration first (${COMPILED ? 'compiled JavaScript' : 'TypeScript through tsx'}; ${WARMUP_RUNS} warm-up runs, ${MEASURED_RUNS} measured)`,
  );
  const count = 10_000;
  const directory = mkdtempSync(join(tmpdir(), 'symbiont-bench-'));
  const rows = [];
  let opened = 0;
  rows.push(
    await throughput('sqlite store + file ledger (fsync)', count, async () => {
      const run = ++opened;
      const ledger = await openFileLedger(join(directory, `sqlite-${run}.jsonl`));
      const store = openSqliteStore(join(directory, `symbiont-${run}.db`));
      return {
        store,
        ledger,
        cleanup: async () => {
          await ledger.close();
          await store.close();
        },
      };
    }),
  );
  rows.push(
    await throughput('memory store + memory ledger', count, async () => ({
      store: createMemoryStore(),
      ledger: new MemoryLedger(),
      cleanup: async () => undefined,
    })),
  );
  rows.push(
    await throughput('memory store + file ledger (fsync)', count, async () => {
      const ledger = await openFileLedger(join(directory, `memory-${++opened}.jsonl`));
      return { store: createMemoryStore(), ledger, cleanup: () => ledger.close() };
    }),
  );
  rows.push(
    await throughput('sqlite store + memory ledger', count, async () => {
      const store = openSqliteStore(join(directory, `symbiont-memory-ledger-${++opened}.db`));
      return { store, ledger: new MemoryLedger(), cleanup: () => store.close() };
    }),
  );
  rmSync(directory, { recursive: true, force: true });
  const memory = rows[1]!.subtasks_per_second;
  const sqlite = rows[3]!.subtasks_per_second;
  console.log(`  sqlite/memory store ratio (memory ledger both): ${(sqlite / memory).toFixed(2)}`);
  const random = seeded(42);
  const dags = [
    fanOutFanIn(16, random, 40, 200),
    layeredRandom(5, 6, 0.35, random, 40, 200),
    parallelChains([8, 5, 3, 3, 2, 2, 1], random, 40, 200),
  ];
  console.log(
    `Makespan on ${SLOTS} slots, durations told to the scheduler (ms; ratios against the greedy critical-path list schedule)`,
  );
  console.log(
    '  shape                              engine   greedy  bound    waves   engine/greedy  waves/greedy',
  );
  const makespans = [];
  for (const dag of dags) {
    const greedy = greedyListMakespan(dag, SLOTS);
    const bound = lowerBound(dag, SLOTS);
    const waves = wavesMakespan(dag, SLOTS);
    const engine = await engineMakespan(dag);
    const row = {
      shape: dag.name,
      subtasks: dag.dependsOn.length,
      engine_ms: Math.round(engine),
      greedy_ms: greedy,
      lower_bound_ms: Math.round(bound),
      waves_ms: waves,
      engine_over_greedy: engine / greedy,
      engine_over_bound: engine / bound,
      waves_over_greedy: waves / greedy,
    };
    makespans.push(row);
    console.log(
      `  ${dag.name.padEnd(32)} ${String(row.engine_ms).padStart(7)} ${String(greedy).padStart(8)} ${String(row.lower_bound_ms).padStart(6)} ${String(waves).padStart(8)}   ${row.engine_over_greedy.toFixed(3).padStart(12)}  ${row.waves_over_greedy.toFixed(3).padStart(12)}`,
    );
  }

  const unknown = await makespansUnknown();
  const claude = await claudeCliOverhead();
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(
    join(RESULTS_DIR, 'engine.json'),
    `${JSON.stringify({ node: process.version, compiled: COMPILED, slots: SLOTS, throughput: rows, makespans, makespans_unknown: unknown, claude_cli: claude }, null, 2)}\n`,
  );
  console.log('wrote bench/results/engine.json');
}

await main();
