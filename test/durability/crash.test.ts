// The crash test (issue 3): driver processes running seeded workloads on SQLite homes are killed
// with SIGKILL at random points, at least 50 times in all; after resume every task is final,
// no subtask that the store held as completed at a kill is called again (the counting
// provider's log), results are kept, ledger seqs are unique and `ledger verify` passes.
// Longer runs: bench/crash-soak.ts. Replay a round with SYMBIONT_CRASH_SEED=<seed>.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CrashRoundReport, crashRound, prepareDriver } from './crash-harness.js';
import type { ProgramCommand } from './processes.js';

const MINIMUM_KILLS = 50;
const FIRST_SEED = Number(process.env.SYMBIONT_CRASH_SEED ?? 7_001);

function expectSound(report: CrashRoundReport): void {
  const label = `seed ${report.seed}`;
  expect(report.unfinished, label).toEqual([]);
  expect(report.notCompleted, label).toEqual([]);
  expect(report.wrongPlans, label).toEqual([]);
  expect(report.reexecutions, label).toEqual([]);
  expect(report.changedResults, label).toEqual([]);
  expect(report.doubleCompleted, label).toEqual([]);
  expect(report.duplicateAttempts, label).toEqual([]);
  expect(report.ledgerSeqUnique, label).toBe(true);
  expect(report.ledgerProblem, label).toBeNull();
  expect(report.ledgerVerified, label).toBe(true);
}

describe('crashes with SIGKILL at random points', () => {
  let driver: ProgramCommand;
  beforeAll(async () => {
    driver = await prepareDriver();
  }, 120_000);
  afterAll(() => driver?.dispose());

  it('resumes every task to completion without calling any stored-completed subtask again', async () => {
    const reports: CrashRoundReport[] = [];
    let kills = 0;
    // Two rounds at a time: most of a round is waiting for its kill to come due.
    for (let seed = FIRST_SEED; kills < MINIMUM_KILLS && seed < FIRST_SEED + 80; seed += 2) {
      const pair = await Promise.all(
        [seed, seed + 1].map((roundSeed) => crashRound({ driver, seed: roundSeed, tasks: 3, kills: 3 })),
      );
      for (const report of pair) {
        expectSound(report);
        reports.push(report);
        kills += report.kills;
      }
    }
    const totals = {
      rounds: reports.length,
      kills,
      tasks: reports.reduce((sum, report) => sum + report.tasks, 0),
      completedAtKill: reports.reduce((sum, report) => sum + report.completedAtKill, 0),
      rerunInFlight: reports.reduce((sum, report) => sum + report.rerunInFlight, 0),
    };
    process.stdout.write(`crash test: ${JSON.stringify(totals)}\n`);
    expect(kills).toBeGreaterThanOrEqual(MINIMUM_KILLS);
    // The kills landed mid-run: some completed work was there to protect, some was in flight.
    expect(totals.completedAtKill).toBeGreaterThan(0);
    expect(totals.rerunInFlight).toBeGreaterThan(0);
  }, 300_000);
});
