// Append throughput of the file ledger with fsync on: 10,000 appends in flight at once (as when
// many subtasks finish together), and 64 callers each awaiting its append before the next (a
// busy engine). Prints appends/s and syncs per run; writes bench/results/ledger-append.json. Not a test.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openFileLedger } from '../src/adapters/ledger/file-ledger.js';
import { type LedgerFileSystem, nodeFileSystem } from '../src/adapters/ledger/ledger-file-system.js';
import type { LedgerEntryInput } from '../src/ports/ledger.js';

const APPENDS = 10_000;
const CALLERS = 64;
const REPETITIONS = 5;

export interface LedgerAppendResult {
  scenario: string;
  appends: number;
  seconds: number;
  appends_per_second: number;
  /** Data syncs: one per batch. */
  fdatasyncs: number;
  /** Process CPU time (all threads): on a busy machine, appends per CPU second is the steadier figure. */
  cpu_seconds: number;
  appends_per_cpu_second: number;
}

function input(index: number): LedgerEntryInput {
  return {
    timestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, index % 60)).toISOString(),
    task_id: `compound-${String(index % 97).padStart(8, '0')}-bench`,
    subtask_id: `subtask-${index}`,
    kind: 'subtask',
    attempt: 1,
    provider: 'simulated',
    model: 'claude-haiku-4-5',
    success: true,
    input_tokens: 1200 + (index % 300),
    output_tokens: 400 + (index % 200),
    cost_usd: 0.0021,
    cost_source: 'tokens',
    duration_ms: 800 + (index % 500),
    error: null,
    prompt_preview: `Step ${index}: summarise the findings of the previous steps and list the open questions for the team`,
  };
}

async function measure(
  scenario: string,
  drive: (append: (index: number) => Promise<unknown>) => Promise<void>,
) {
  const dir = mkdtempSync(join(tmpdir(), 'symbiont-ledger-bench-'));
  try {
    let fdatasyncs = 0;
    const fileSystem: LedgerFileSystem = {
      ...nodeFileSystem,
      fdatasync: (fd) => {
        fdatasyncs += 1;
        return nodeFileSystem.fdatasync(fd);
      },
    };
    const ledger = await openFileLedger(join(dir, 'ledger.jsonl'), { fileSystem, fsync: true });
    fdatasyncs = 0;
    // Call records are built before the clock starts: the engine builds them whatever the ledger.
    const inputs = Array.from({ length: APPENDS }, (_, index) => input(index));
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await drive((index) => ledger.append(inputs[index]!));
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    await ledger.close();
    return {
      scenario,
      appends: APPENDS,
      seconds,
      appends_per_second: Math.round(APPENDS / seconds),
      fdatasyncs,
      cpu_seconds: cpuSeconds,
      appends_per_cpu_second: Math.round(APPENDS / cpuSeconds),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const allInFlight = async (append: (index: number) => Promise<unknown>) => {
  await Promise.all(Array.from({ length: APPENDS }, (_, index) => append(index)));
};

const closedLoop = async (append: (index: number) => Promise<unknown>) => {
  let next = 0;
  const caller = async () => {
    while (next < APPENDS) await append(next++);
  };
  await Promise.all(Array.from({ length: CALLERS }, caller));
};

function median(runs: LedgerAppendResult[]): LedgerAppendResult {
  return [...runs].sort((left, right) => left.appends_per_second - right.appends_per_second)[
    Math.floor(runs.length / 2)
  ]!;
}

export async function runLedgerAppend(): Promise<{
  first: LedgerAppendResult;
  results: LedgerAppendResult[];
}> {
  // The first run includes JIT warm-up, as a CLI process appending its first batch would.
  const first = await measure(`${APPENDS} in flight, cold`, allInFlight);
  const results: LedgerAppendResult[] = [];
  for (const [scenario, drive] of [
    [`${APPENDS} in flight`, allInFlight],
    [`${CALLERS} callers awaiting each append`, closedLoop],
  ] as const) {
    const runs: LedgerAppendResult[] = [];
    for (let repetition = 0; repetition < REPETITIONS; repetition += 1)
      runs.push(await measure(scenario, drive));
    results.push(median(runs));
  }
  return { first, results };
}

async function main(): Promise<void> {
  const { first, results } = await runLedgerAppend();
  for (const result of [first, ...results]) {
    process.stdout.write(
      `${result.scenario.padEnd(36)} ${String(result.appends_per_second).padStart(8)} appends/s  ` +
        `${result.seconds.toFixed(3)} s  ${result.fdatasyncs} fdatasyncs  ` +
        `${String(result.appends_per_cpu_second).padStart(8)} appends/CPU-s\n`,
    );
  }
  const output = join(dirname(fileURLToPath(import.meta.url)), 'results', 'ledger-append.json');
  mkdirSync(dirname(output), { recursive: true });
  const report = { node: process.version, platform: `${process.platform} ${process.arch}`, first, results };
  writeFileSync(output, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`(median of ${REPETITIONS} runs after the cold one; written to ${output})\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
