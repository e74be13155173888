// One crash round, shared by the crash test and bench/crash-soak.ts: a driver process runs a
// seeded workload on a fresh SQLite home and is killed with SIGKILL at a random point, then
// resume drivers are started and killed too, and finally the home is resumed in this process.
// After each kill the store is read before anything else touches it: every subtask completed
// there must never be called again, keep its result, and end with one `subtask.completed` event.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLedgerEntries, verifyLedgerFile } from '../../src/adapters/ledger/ledger-file-reader.js';
import { createSimulatedProvider } from '../../src/adapters/providers/simulated.js';
import { openSqliteStore } from '../../src/adapters/stores/sqlite-store.js';
import { systemClock } from '../../src/adapters/system/system-clock.js';
import { openApp } from '../../src/app/compose.js';
import { homePaths } from '../../src/config/home.js';
import { isFinalTaskStatus, type Task } from '../../src/core/records.js';
import { resumeAllAndWait } from '../../src/engine/resume-all.js';
import { countCalls, countingProvider, readCalls } from '../fakes/counting-provider.js';
import type { DriverConfig } from './crash-driver.js';
import { makeWorkload, seededRandom, type WorkloadOptions, type WorkloadTask } from './crash-workload.js';
import { type ProgramCommand, prepareProgram, REPO_ROOT } from './processes.js';

/** The crash driver, bundled when esbuild is at hand (see processes.ts). */
export function prepareDriver(): Promise<ProgramCommand> {
  return prepareProgram('test/durability/crash-driver.ts');
}

export interface CrashRoundOptions {
  driver: ProgramCommand;
  seed: number;
  /** Tasks in the workload. Default 3. */
  tasks?: number;
  workload?: Omit<WorkloadOptions, 'tasks'>;
  /** Kills per round: the first during the run, the others during resume drivers. Default 2. */
  kills?: number;
  /** The run's kill lands this long after the driver said `ready`: uniform in [0, this]. Default 1200. */
  killWindowMs?: number;
  /** The same for resume drivers, which have less left to do. Default 700. */
  resumeKillWindowMs?: number;
  /** SYMBIONT_SIM_LATENCY_SCALE for the simulator. Default 1. */
  latencyScale?: number;
}

export interface CrashRoundReport {
  seed: number;
  kills: number;
  tasks: number;
  subtasks: number;
  /** Subtasks seen completed in the store right after some kill. */
  completedAtKill: number;
  /** Calls made for subtasks after they were stored completed (must be empty). */
  reexecutions: string[];
  /** Completed subtasks whose result changed after a kill (must be empty). */
  changedResults: string[];
  /** Tasks not final after the last resume (must be empty). */
  unfinished: string[];
  /** Tasks whose final subtasks are not the plan they were given or the prompt's steps. */
  wrongPlans: string[];
  /** Task ids with a status other than completed. */
  notCompleted: string[];
  /** Subtasks whose events hold more than one `subtask.completed` (must be empty). */
  doubleCompleted: string[];
  /** Subtasks that were executing at a kill and ran again as a later attempt. */
  rerunInFlight: number;
  /** Subtask ledger entries sharing a (task, subtask, attempt) (must be empty). */
  duplicateAttempts: string[];
  /**
   * Subtasks with more than one successful ledger entry: the call succeeded and was ledgered,
   * but the kill landed before `subtask.completed` was stored, so it was not completed in the
   * store and ran again (allowed: the ledger records calls, the store records completions).
   */
  succeededTwice: number;
  /** Plan ledger entries sharing a (task, attempt): a planning call ledgered just before a kill. */
  duplicatePlanAttempts: string[];
  ledgerEntries: number;
  /** Whether seq runs 1..n without a gap or repeat. */
  ledgerSeqUnique: boolean;
  ledgerVerified: boolean;
  ledgerProblem: string | null;
  durationMs: number;
}

interface Frozen {
  calls: number;
  result: string | null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done();
    else child.once('exit', () => done());
  });
}

/** Resolves with true once the child printed `ready`, false if it ended first. */
function readyOf(child: ChildProcess): Promise<boolean> {
  return new Promise((done) => {
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (text.includes('ready\n')) done(true);
    });
    child.once('exit', () => done(false));
  });
}

/** Runs one driver and kills its process group after `delayMs` past `ready`; true if killed. */
async function runAndKill(
  driver: ProgramCommand,
  configPath: string,
  delayMs: number,
  env: NodeJS.ProcessEnv,
): Promise<boolean> {
  const child = spawn(driver.command, [...driver.args, configPath], {
    cwd: REPO_ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = exitOf(child);
  await readyOf(child);
  const outcome = await Promise.race([
    exited.then(() => 'exited' as const),
    sleep(delayMs).then(() => 'due' as const),
  ]);
  if (outcome === 'exited') {
    if (child.exitCode !== 0) throw new Error(`driver failed (${child.exitCode}): ${stderr.trim()}`);
    return false;
  }
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
  // Wait for the exit, so the child is reaped: a zombie's pid still looks alive.
  await exited;
  return child.exitCode === null || child.signalCode === 'SIGKILL';
}

function tagOf(description: string): string | undefined {
  return /\bT\d+S\d+\b/.exec(description)?.[0];
}

/** Reads every task of the home straight from its SQLite file. */
async function readTasks(home: string): Promise<Task[]> {
  if (!existsSync(homePaths.database(home))) return [];
  const store = openSqliteStore(homePaths.database(home));
  try {
    const tasks: Task[] = [];
    for (const summary of await store.listTasks({ limit: 10_000 })) {
      const task = await store.getTask(summary.id);
      if (task) tasks.push(task);
    }
    return tasks;
  } finally {
    await store.close();
  }
}

async function completedEventsPerSubtask(home: string): Promise<Map<string, number>> {
  const store = openSqliteStore(homePaths.database(home));
  try {
    const counts = new Map<string, number>();
    for (const summary of await store.listTasks({ limit: 10_000 })) {
      for (const event of await store.readEvents(summary.id, 0)) {
        if (event.type !== 'subtask.completed') continue;
        const key = `${summary.id}#${event.index}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    return counts;
  } finally {
    await store.close();
  }
}

export async function crashRound(options: CrashRoundOptions): Promise<CrashRoundReport> {
  const started = Date.now();
  const random = seededRandom(options.seed);
  const workDir = mkdtempSync(join(tmpdir(), 'symbiont-crash-'));
  const home = join(workDir, 'home');
  const callLog = join(workDir, 'calls.jsonl');
  const latencyScale = options.latencyScale ?? 1;
  const env = { ...process.env, SYMBIONT_HOME: home };
  try {
    const workload = makeWorkload(random, { tasks: options.tasks ?? 3, ...options.workload });
    const frozen = new Map<string, Frozen>();
    const executingAtKill = new Map<string, number>();
    let kills = 0;
    const wanted = options.kills ?? 2;
    const runWindow = options.killWindowMs ?? 1200;
    const resumeWindow = options.resumeKillWindowMs ?? 700;
    for (let round = 0; round < wanted; round++) {
      const config: DriverConfig = {
        mode: round === 0 ? 'run' : 'resume',
        home,
        callLog,
        latencyScale,
        ...(round === 0 ? { tasks: workload } : {}),
      };
      const configPath = join(workDir, `driver-${round}.json`);
      writeFileSync(configPath, JSON.stringify(config));
      const window = round === 0 ? runWindow : resumeWindow;
      const killed = await runAndKill(options.driver, configPath, Math.floor(random() * window), env);
      if (!killed) break;
      kills++;
      // Right after the kill, before anything else touches the home.
      const counts = countCalls(readCalls(callLog));
      for (const task of await readTasks(home)) {
        for (const subtask of task.subtasks) {
          const tag = tagOf(subtask.description);
          if (!tag) continue;
          if (subtask.status === 'completed' && !frozen.has(tag)) {
            frozen.set(tag, { calls: counts.get(tag) ?? 0, result: subtask.result });
          }
          if (subtask.status === 'executing') executingAtKill.set(tag, subtask.attempts);
        }
      }
    }
    // The last resume, in this process, to the end.
    const simulated = countingProvider(createSimulatedProvider({ latencyScale }), callLog);
    const app = await openApp({
      home,
      env,
      provider: 'simulated',
      store: 'sqlite',
      // The harness kills its runs on purpose: the crash-loop guard, which sets a task aside
      // after two interruptions (test/durability/crash-loop.test.ts), is off here.
      manager: {
        providers: () => simulated,
        retry: { baseDelayMs: 10, maxDelayMs: 40 },
        maxInterruptions: Number.MAX_SAFE_INTEGER,
      },
    });
    try {
      await resumeAllAndWait(app.service, app.store, { clock: systemClock, pollIntervalMs: 50 });
    } finally {
      await app.close();
    }
    return await judge({
      home,
      callLog,
      frozen,
      executingAtKill,
      kills,
      seed: options.seed,
      started,
      workload,
    });
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

async function judge(input: {
  home: string;
  callLog: string;
  frozen: Map<string, Frozen>;
  executingAtKill: Map<string, number>;
  kills: number;
  seed: number;
  started: number;
  workload: readonly WorkloadTask[];
}): Promise<CrashRoundReport> {
  const { home, frozen } = input;
  const counts = countCalls(readCalls(input.callLog));
  const tasks = await readTasks(home);
  const reexecutions: string[] = [];
  const changedResults: string[] = [];
  let rerunInFlight = 0;
  let subtasks = 0;
  for (const task of tasks) {
    for (const subtask of task.subtasks) {
      subtasks++;
      const tag = tagOf(subtask.description) ?? `${task.id}#${subtask.index}`;
      const before = frozen.get(tag);
      if (before) {
        const calls = counts.get(tag) ?? 0;
        if (calls !== before.calls)
          reexecutions.push(`${tag}: ${before.calls} calls at the kill, ${calls} at the end`);
        if (subtask.result !== before.result) changedResults.push(tag);
      }
      const attemptsAtKill = input.executingAtKill.get(tag);
      if (attemptsAtKill !== undefined && subtask.attempts > attemptsAtKill) rerunInFlight++;
    }
  }
  const wrongPlans: string[] = [];
  for (const task of tasks) {
    const tag = /\bT\d+\b/.exec(task.prompt)?.[0];
    const given = input.workload.find((entry) => entry.tag === tag);
    const expected = given?.plan
      ? given.plan.subtasks.length
      : (given?.prompt?.split('\n').filter((line) => /^\d+\. /.test(line)).length ?? -1);
    const tags = task.subtasks.map((subtask) => tagOf(subtask.description));
    const wanted = Array.from({ length: Math.max(expected, 0) }, (_, index) => `${tag}S${index}`);
    if (tags.join(' ') !== wanted.join(' ')) wrongPlans.push(`${task.id} (${tag}): ${tags.join(' ')}`);
  }
  const doubleCompleted = [...(await completedEventsPerSubtask(home))]
    .filter(([, count]) => count > 1)
    .map(([key]) => key);
  const ledgerPath = homePaths.ledger(home);
  const entries = existsSync(ledgerPath) ? await readLedgerEntries(ledgerPath) : [];
  const ledgerSeqUnique = entries.every((entry, index) => entry.seq === index + 1);
  const attempts = new Map<string, number>();
  for (const entry of entries) {
    const key = `${entry.kind} ${entry.task_id} ${entry.subtask_id ?? '-'} ${entry.attempt}`;
    attempts.set(key, (attempts.get(key) ?? 0) + 1);
  }
  const successes = new Map<string, number>();
  for (const entry of entries) {
    if (entry.kind !== 'subtask' || !entry.success) continue;
    successes.set(entry.subtask_id ?? '', (successes.get(entry.subtask_id ?? '') ?? 0) + 1);
  }
  const repeated = [...attempts].filter(([, count]) => count > 1).map(([key]) => key);
  const verdict = existsSync(ledgerPath) ? await verifyLedgerFile(ledgerPath) : undefined;
  return {
    seed: input.seed,
    kills: input.kills,
    tasks: tasks.length,
    subtasks,
    completedAtKill: frozen.size,
    reexecutions,
    changedResults,
    wrongPlans,
    unfinished: tasks.filter((task) => !isFinalTaskStatus(task.status)).map((task) => task.id),
    notCompleted: tasks
      .filter((task) => task.status !== 'completed')
      .map((task) => `${task.id}: ${task.status} ${task.error ?? ''}`),
    doubleCompleted,
    rerunInFlight,
    duplicateAttempts: repeated.filter((key) => key.startsWith('subtask ')),
    succeededTwice: [...successes.values()].filter((count) => count > 1).length,
    duplicatePlanAttempts: repeated.filter((key) => key.startsWith('plan ')),
    ledgerEntries: entries.length,
    ledgerSeqUnique,
    ledgerVerified: verdict === undefined || verdict.ok,
    ledgerProblem: verdict && !verdict.ok ? JSON.stringify(verdict) : null,
    durationMs: Date.now() - input.started,
  };
}
