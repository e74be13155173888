// Per-subtask overhead through the `claude-cli` provider, side by side with the original
// module: 200 independent subtasks, 4 slots, a fake `claude` that answers at once
// (fake-claude-bin.ts). Symbiont runs its default configuration (SQLite store, fsync'd file
// ledger); the original (../shared/seed/compound_task_manager.py) is driven by
// original_driver.py with a stub planner. Overhead = wall time from submit to a finished task,
// divided by the subtasks. Rounds alternate the two so that load on the machine hits both.
// Two more rows are the floors under each: Node spawning the fake 200 times, 4 at once, with
// the prompt on stdin and nothing else (no engine, store or ledger), and Python doing the same
// the way the original does (python_spawn_floor.py). On Linux, Node 20's libuv spawns with
// fork() and waits in the event loop until the child has exec'd; Python 3.11 uses vfork(), which
// copies no page tables. So the provider does not spawn from this process: small helper
// processes do (src/adapters/providers/spawn-helper/, docs/decisions/claude-cli-spawn-floor.md);
// one more row is that provider alone, with no engine, store or ledger. The load average is
// printed with the figures: on a loaded machine all of them move.
// Run alone: npm run bench:build && node .bench-build/bench/claude-cli-overhead.js

import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openFileLedger } from '../src/adapters/ledger/file-ledger.js';
import { createClaudeCliProvider } from '../src/adapters/providers/claude-cli.js';
import { openSqliteStore } from '../src/adapters/stores/sqlite-store.js';
import { benchManager } from './bench-manager.js';
import { buildFakeClaude } from './fake-claude-bin.js';
import { REPO_ROOT } from './results-dir.js';

const SUBTASKS = 200;
const SLOTS = 4;
const SEED = resolve(REPO_ROOT, '..', 'shared', 'seed', 'compound_task_manager.py');
const DRIVER = join(REPO_ROOT, 'bench', 'original_driver.py');
const PYTHON_FLOOR = join(REPO_ROOT, 'bench', 'python_spawn_floor.py');

const PLAN = {
  reasoning: 'independent subtasks',
  subtasks: Array.from({ length: SUBTASKS }, (_, index) => ({
    description: `subtask ${index}`,
    tier_hint: 1,
    depends_on: [],
  })),
};

async function symbiontSeconds(directory: string, fakeClaude: string, run: number): Promise<number> {
  const ledger = await openFileLedger(join(directory, `ledger-${run}.jsonl`));
  const store = openSqliteStore(join(directory, `symbiont-${run}.db`));
  const provider = createClaudeCliProvider({ binary: fakeClaude });
  const manager = benchManager(provider, store, ledger, { slots: SLOTS, globalSlots: SLOTS });
  const started = performance.now();
  const receipt = await manager.submitTask({ prompt: 'bench', plan: PLAN });
  const task = await manager.waitForTask(receipt.id);
  const seconds = (performance.now() - started) / 1000;
  await manager.close();
  await ledger.close();
  await store.close();
  if (task.status !== 'completed') throw new Error(`symbiont claude-cli bench task ended ${task.status}`);
  return seconds;
}

/** Node alone: the fake run SUBTASKS times, SLOTS at once, prompt on stdin, stdout read. */
async function bareSpawnSeconds(fakeClaude: string): Promise<number> {
  const once = () =>
    new Promise<void>((resolvePromise, reject) => {
      const child = spawn(fakeClaude, ['-p', '--model', 'haiku', '--output-format', 'json']);
      let bytes = 0;
      child.stdout.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      child.on('error', reject);
      child.on('close', () =>
        bytes > 0 ? resolvePromise() : reject(new Error('fake claude printed nothing')),
      );
      child.stdin.end('subtask prompt');
    });
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: SLOTS }, async () => {
      while (next++ < SUBTASKS) await once();
    }),
  );
  return (performance.now() - started) / 1000;
}

/** The provider alone (its default path, through the spawn helper): no engine, store or ledger. */
async function providerAloneSeconds(fakeClaude: string): Promise<number> {
  const provider = createClaudeCliProvider({ binary: fakeClaude });
  const signal = new AbortController().signal;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: SLOTS }, async () => {
      while (next++ < SUBTASKS) {
        const request = {
          prompt: 'subtask prompt',
          model: 'haiku',
          tier: 1 as const,
          purpose: 'subtask' as const,
        };
        await provider.complete(request, signal);
      }
    }),
  );
  return (performance.now() - started) / 1000;
}

/** The last run's line of a Python script that prints one JSON line per run, with the fake first on PATH. */
function pythonSeconds(binDirectory: string, args: string[]): number {
  const output = execFileSync('python3', args, {
    env: { ...process.env, PATH: `${binDirectory}:${process.env.PATH ?? ''}` },
    encoding: 'utf8',
  });
  const runs = output
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { seconds: number });
  return runs[runs.length - 1]!.seconds;
}

/** One measured run of the original, after one warm-up run in the same Python process. */
function originalSeconds(directory: string, planFile: string, run: number): number {
  return pythonSeconds(directory, [
    DRIVER,
    SEED,
    planFile,
    join(directory, `original-ledger-${run}.jsonl`),
    '2',
  ]);
}

/** Python alone spawning the fake as the original does, after one warm-up run. */
function pythonSpawnSeconds(directory: string): number {
  return pythonSeconds(directory, [PYTHON_FLOOR, String(SUBTASKS), '2']);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function claudeCliOverhead(rounds = Number(process.env.BENCH_CLAUDE_ROUNDS ?? '5')) {
  const directory = mkdtempSync(join(tmpdir(), 'symbiont-bench-claude-'));
  try {
    const fake = buildFakeClaude(directory);
    const planFile = join(directory, 'plan.json');
    writeFileSync(planFile, JSON.stringify(PLAN));
    await symbiontSeconds(directory, fake.path, 0); // warm-up
    await bareSpawnSeconds(fake.path); // warm-up
    await providerAloneSeconds(fake.path); // warm-up
    const symbiont: number[] = [];
    const original: number[] = [];
    const bare: number[] = [];
    const pythonBare: number[] = [];
    const providerAlone: number[] = [];
    const loadBefore = loadavg()[0]!;
    for (let round = 1; round <= rounds; round++) {
      original.push(originalSeconds(directory, planFile, round));
      symbiont.push(await symbiontSeconds(directory, fake.path, round));
      bare.push(await bareSpawnSeconds(fake.path));
      pythonBare.push(pythonSpawnSeconds(directory));
      providerAlone.push(await providerAloneSeconds(fake.path));
    }
    const loadAfter = loadavg()[0]!;
    const perSubtask = (seconds: number) => (seconds * 1000) / SUBTASKS;
    const row = {
      subtasks: SUBTASKS,
      slots: SLOTS,
      fake_claude: fake.kind,
      rounds,
      symbiont_ms_per_subtask: perSubtask(median(symbiont)),
      original_ms_per_subtask: perSubtask(median(original)),
      symbiont_best_ms_per_subtask: perSubtask(Math.min(...symbiont)),
      original_best_ms_per_subtask: perSubtask(Math.min(...original)),
      node_spawn_floor_ms_per_subtask: perSubtask(median(bare)),
      python_spawn_floor_ms_per_subtask: perSubtask(median(pythonBare)),
      provider_alone_ms_per_subtask: perSubtask(median(providerAlone)),
      ratio: median(symbiont) / median(original),
      node_floor_over_original: median(bare) / median(original),
      load_average_1m: [loadBefore, loadAfter],
      node_rss_mb: Math.round(process.memoryUsage().rss / 1e6),
      symbiont_seconds: symbiont,
      original_seconds: original,
      node_spawn_floor_seconds: bare,
      python_spawn_floor_seconds: pythonBare,
      provider_alone_seconds: providerAlone,
    };
    console.log(
      `Per-subtask overhead through claude-cli (fake claude in ${fake.kind}, ${SUBTASKS} independent subtasks, ${SLOTS} slots, median of ${rounds} alternating rounds, load average ${loadBefore.toFixed(1)} -> ${loadAfter.toFixed(1)})`,
    );
    console.log(
      `  symbiont (sqlite store + file ledger) ${row.symbiont_ms_per_subtask.toFixed(2)} ms/subtask (best ${row.symbiont_best_ms_per_subtask.toFixed(2)})`,
    );
    console.log(
      `  original (compound_task_manager.py)   ${row.original_ms_per_subtask.toFixed(2)} ms/subtask (best ${row.original_best_ms_per_subtask.toFixed(2)})`,
    );
    console.log(
      `  floor: Node spawning the fake alone  ${row.node_spawn_floor_ms_per_subtask.toFixed(2)} ms/subtask (no engine, store or ledger; Node rss ${row.node_rss_mb} MB)`,
    );
    console.log(
      `  floor: Python spawning it alone      ${row.python_spawn_floor_ms_per_subtask.toFixed(2)} ms/subtask (as the original does, no task manager)`,
    );
    console.log(
      `  the claude-cli provider alone         ${row.provider_alone_ms_per_subtask.toFixed(2)} ms/subtask (its spawn helpers; no engine, store or ledger)`,
    );
    console.log(
      `  ratio symbiont/original: ${row.ratio.toFixed(2)} (target: at most 2); Node's bare spawn alone/original: ${row.node_floor_over_original.toFixed(2)}`,
    );
    return row;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await claudeCliOverhead();
}
