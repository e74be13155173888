// The crash suite of issue 15 in CI: 2 coordinators and 3 workers in separate processes, a
// stream of tasks, random SIGKILLs of workers and coordinators and SIGSTOPs of workers past
// their lock. After it: every task final and completed, every subtask completed once in the
// store, no completed call made again at the provider except calls in flight at a fault, the
// ledger one verified chain, and the global concurrency never exceeded at the provider.
// bench/several-machines-crash.ts runs the same with 50+ faults.

import { describe, expect, it } from 'vitest';
import { GLOBAL_CONCURRENCY, needlessRepeats, runCrashSuite } from './crash-cluster.js';

describe('several machines: crash suite', () => {
  it('survives worker and coordinator kills and frozen workers with no lost or repeated work', async () => {
    const report = await runCrashSuite({ faults: 6, tasks: 12, seed: 7 });
    expect(report.faults.length).toBeGreaterThanOrEqual(6);
    expect(report.tasks).toHaveLength(12);
    for (const task of report.tasks) {
      expect(task.status, `task ${task.id}: ${task.error}`).toBe('completed');
      const events = report.events.get(task.id)!;
      for (const subtask of task.subtasks) {
        const completions = events.filter(
          (event) => event.type === 'subtask.completed' && event.index === subtask.index,
        );
        expect(completions, `${subtask.id} completed once`).toHaveLength(1);
      }
    }
    expect(needlessRepeats(report)).toEqual([]);
    expect(report.ledger.ok, report.ledger.ok ? '' : report.ledger.reason).toBe(true);
    // Every call went through the workers (a completed job each), and each subtask's was ledgered.
    expect(report.workerResults).toBeGreaterThanOrEqual(12 * 4);
    expect(report.ledger.ok && report.ledger.entries).toBeGreaterThanOrEqual(12 * 4);
    expect(report.calls.every((call) => call.description !== 'unknown')).toBe(true);
    process.stderr.write(
      `crash suite: ${report.faults.map((fault) => fault.kind).join(', ')}; ${report.calls.length} provider calls for ` +
        `${report.tasks.length * 4} subtasks; max ${report.maxInFlight} in flight\n`,
    );
    expect(report.maxInFlight).toBeLessThanOrEqual(GLOBAL_CONCURRENCY);
  }, 240_000);
});
