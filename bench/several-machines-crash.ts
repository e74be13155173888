// The long crash run of issue 15: the crash suite's cluster (test/durability/crash-cluster.ts)
// with 50+ faults. Prints the checks; exits 1 when one fails.
// Usage: node --import tsx bench/several-machines-crash.ts [faults, default 50] [tasks, default 100]

import { GLOBAL_CONCURRENCY, needlessRepeats, runCrashSuite } from '../test/durability/crash-cluster.js';

const faults = Number(process.argv[2] ?? 50);
const tasks = Number(process.argv[3] ?? 100);
const report = await runCrashSuite({ faults, tasks, seed: Date.now() % 1_000_000 });
const unfinished = report.tasks.filter((task) => task.status !== 'completed');
let doubleCompleted = 0;
for (const task of report.tasks) {
  const events = report.events.get(task.id) ?? [];
  for (const subtask of task.subtasks) {
    const count = events.filter(
      (event) => event.type === 'subtask.completed' && event.index === subtask.index,
    ).length;
    if (count !== 1) doubleCompleted += 1;
  }
}
const repeats = needlessRepeats(report);
const kinds = new Map<string, number>();
for (const fault of report.faults) kinds.set(fault.kind, (kinds.get(fault.kind) ?? 0) + 1);
const checks = {
  faults: Object.fromEntries(kinds),
  tasks: report.tasks.length,
  not_completed: unfinished.length,
  subtasks_not_completed_exactly_once: doubleCompleted,
  needless_repeats_at_provider: repeats.length,
  provider_calls: report.calls.length,
  max_in_flight: report.maxInFlight,
  global_concurrency: GLOBAL_CONCURRENCY,
  ledger: report.ledger.ok ? `verified, ${report.ledger.entries} entries` : `BROKEN ${report.ledger.reason}`,
};
process.stdout.write(`${JSON.stringify(checks, null, 2)}\n`);
for (const description of new Set(repeats)) {
  const runs = report.calls.filter((call) => call.description === description);
  const origin = runs[0]!.start;
  const shown = runs.map((call) => `${call.start - origin}..${call.end === null ? '?' : call.end - origin}`);
  const near = report.faults
    .filter((fault) => Math.abs(fault.at - origin) < 10_000)
    .map((fault) => `${fault.kind}@${fault.at - origin}`);
  process.stdout.write(
    `repeat ${description}: runs ${shown.join(', ')}; faults ${near.join(', ') || 'none near'}\n`,
  );
}
const ok =
  report.tasks.length === tasks &&
  unfinished.length === 0 &&
  doubleCompleted === 0 &&
  repeats.length === 0 &&
  report.maxInFlight <= GLOBAL_CONCURRENCY &&
  report.ledger.ok;
process.exitCode = ok ? 0 : 1;
