// Crash soak (figures, and a verdict): the crash test's rounds (test/durability/crash-harness.ts)
// run for many more kills. A driver process runs seeded workloads on a fresh SQLite home and is
// SIGKILLed at random points, resume drivers are started and killed too, then the home is
// resumed to the end and checked: every task final and completed, no subtask that the store
// held as completed at a kill was called again, results kept, one `subtask.completed` per
// subtask, ledger seq unique, attempts unique, `ledger verify` ok.
//
//   npx tsx bench/crash-soak.ts [--kills 300] [--seed 1] [--tasks 4] [--kills-per-round 4] [--parallel 2]
//
// Prints the figures and writes bench/results/crash-soak.json. Exit 1 if any check failed.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CrashRoundReport, crashRound, prepareDriver } from '../test/durability/crash-harness.js';
import { REPO_ROOT } from '../test/durability/processes.js';

interface SoakOptions {
  kills: number;
  seed: number;
  tasks: number;
  killsPerRound: number;
  parallel: number;
}

function parseOptions(argv: readonly string[]): SoakOptions {
  const options: SoakOptions = { kills: 300, seed: 1, tasks: 4, killsPerRound: 4, parallel: 2 };
  const names: Record<string, keyof SoakOptions> = {
    '--kills': 'kills',
    '--seed': 'seed',
    '--tasks': 'tasks',
    '--kills-per-round': 'killsPerRound',
    '--parallel': 'parallel',
  };
  for (let index = 0; index < argv.length; index += 2) {
    const name = names[argv[index] ?? ''];
    const value = Number(argv[index + 1]);
    if (!name || !Number.isInteger(value) || value < (name === 'seed' ? 0 : 1)) {
      throw new Error(
        `crash-soak: expected --kills N, --seed N, --tasks N, --kills-per-round N or --parallel N, got '${argv[index]} ${argv[index + 1] ?? ''}'`,
      );
    }
    options[name] = value;
  }
  return options;
}

function problemsOf(report: CrashRoundReport): string[] {
  const problems: string[] = [];
  const add = (what: string, items: readonly string[]) => {
    if (items.length > 0) problems.push(`${what}: ${items.join('; ')}`);
  };
  add('re-executed after being stored completed', report.reexecutions);
  add('result changed', report.changedResults);
  add('not final', report.unfinished);
  add('not completed', report.notCompleted);
  add('not the given plan', report.wrongPlans);
  add('more than one subtask.completed', report.doubleCompleted);
  add('duplicate subtask attempts in the ledger', report.duplicateAttempts);
  if (!report.ledgerSeqUnique) problems.push('ledger seq not 1..n');
  if (!report.ledgerVerified) problems.push(`ledger verify failed: ${report.ledgerProblem}`);
  return problems;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const driver = await prepareDriver();
  const started = Date.now();
  const reports: CrashRoundReport[] = [];
  const failures: { seed: number; problems: string[] }[] = [];
  let kills = 0;
  let seed = options.seed;
  try {
    // Rounds run `parallel` at a time; a round that ends before its first kill adds none.
    while (kills < options.kills) {
      const seeds = Array.from({ length: options.parallel }, (_, offset) => seed + offset);
      seed += options.parallel;
      const batch = await Promise.all(
        seeds.map((roundSeed) =>
          crashRound({ driver, seed: roundSeed, tasks: options.tasks, kills: options.killsPerRound }),
        ),
      );
      for (const report of batch) {
        reports.push(report);
        kills += report.kills;
        const problems = problemsOf(report);
        if (problems.length > 0) {
          failures.push({ seed: report.seed, problems });
          process.stdout.write(`seed ${report.seed}: ${problems.join(' | ')}\n`);
        }
      }
      if (process.stdout.isTTY) {
        process.stdout.write(`\r${kills} kills, ${reports.length} rounds, ${failures.length} failing`);
      }
    }
  } finally {
    driver.dispose();
  }
  if (process.stdout.isTTY) process.stdout.write('\n');
  const sum = (pick: (report: CrashRoundReport) => number) =>
    reports.reduce((total, report) => total + pick(report), 0);
  const figures = {
    kills,
    rounds: reports.length,
    tasks: sum((report) => report.tasks),
    subtasks: sum((report) => report.subtasks),
    completed_at_a_kill: sum((report) => report.completedAtKill),
    in_flight_rerun_as_new_attempt: sum((report) => report.rerunInFlight),
    reexecutions_found: sum((report) => report.reexecutions.length),
    rerun_after_unstored_success: sum((report) => report.succeededTwice),
    duplicate_subtask_attempts: sum((report) => report.duplicateAttempts.length),
    duplicate_plan_attempts: sum((report) => report.duplicatePlanAttempts.length),
    ledger_entries: sum((report) => report.ledgerEntries),
    ledger_verify: reports.every((report) => report.ledgerVerified && report.ledgerSeqUnique)
      ? 'ok'
      : 'FAILED',
    failing_rounds: failures.length,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    options,
  };
  const rows: [string, string | number][] = [
    ['kills (SIGKILL)', figures.kills],
    ['rounds', figures.rounds],
    ['tasks', figures.tasks],
    ['subtasks', figures.subtasks],
    ['subtasks completed at a kill', figures.completed_at_a_kill],
    ['in-flight subtasks rerun as a new attempt', figures.in_flight_rerun_as_new_attempt],
    ['re-executions found (must be 0)', figures.reexecutions_found],
    ['rerun after a ledgered, unstored success', figures.rerun_after_unstored_success],
    ['duplicate subtask attempts (must be 0)', figures.duplicate_subtask_attempts],
    ['duplicate plan attempts', figures.duplicate_plan_attempts],
    ['ledger entries', figures.ledger_entries],
    ['ledger verify', figures.ledger_verify],
    ['failing rounds (must be 0)', figures.failing_rounds],
    ['time (s)', figures.seconds],
  ];
  for (const [label, value] of rows) process.stdout.write(`${label.padEnd(44)} ${value}\n`);
  const resultsDir = join(REPO_ROOT, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(
    join(resultsDir, 'crash-soak.json'),
    `${JSON.stringify({ ...figures, failures, node: process.version, date: new Date().toISOString() }, null, 2)}\n`,
  );
  return failures.length === 0 ? 0 : 1;
}

process.exitCode = await main();
