// The composition root: reads configuration once, builds the adapters (store, ledger,
// providers) once, and hands them to the task manager. The CLI and the HTTP server start here.

import { existsSync } from 'node:fs';
import { type BullmqExecutors, createBullmqExecutors } from '../adapters/executors/bullmq-executor.js';
import { openFileLedger } from '../adapters/ledger/file-ledger.js';
import { reportLedgerFile, verifyLedgerFile } from '../adapters/ledger/ledger-file-reader.js';
import { checkpointSigner, loadSigningKey } from '../adapters/ledger/ledger-keys.js';
import { ReadOnlyLedger } from '../adapters/ledger/read-only-ledger.js';
import { createMemoryStore } from '../adapters/stores/memory-store.js';
import { newStoreWarning } from '../adapters/stores/new-store-check.js';
import { openSqliteStore } from '../adapters/stores/sqlite-store.js';
import { isLocalHolderGone } from '../adapters/system/lease-holder.js';
import { systemClock, systemEntropy } from '../adapters/system/system-clock.js';
import { millisecondsFromEnv } from '../config/env-milliseconds.js';
import { ensureHome, homePaths, resolveHome } from '../config/home.js';
import { findOnPath } from '../config/provider-selection.js';
import { SymbiontError } from '../core/errors.js';
import type { TaskEvent } from '../core/events.js';
import type { OperatorLimits } from '../core/operator-limits.js';
import type { TaskSettings } from '../core/records.js';
import { type ResumeAllResult, resumeAllAndWait } from '../engine/resume-all.js';
import { TaskManager, type TaskManagerOptions } from '../engine/task-manager.js';
import type { TaskStore } from '../ports/task-store.js';
import { learnedDurations } from './learned-durations.js';
import type { CallListener } from './observed-ledger.js';
import { ObservedLedger } from './observed-ledger.js';
import { databaseUrlFrom, openPostgresBacking, type PostgresBacking } from './postgres-backing.js';
import { createProviderResolver, providerEntry, selectProvider } from './providers/registry.js';
import { SIMULATED_NOTICE } from './providers/simulated.js';

export interface AppConfig {
  /** Environment to read settings from. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Data directory. Default: resolveHome(env). */
  home?: string;
  /** `sqlite` (default, durable) or `memory`. Ignored when a database URL is given. */
  store?: 'sqlite' | 'memory';
  /**
   * `--database postgres://…` (default: SYMBIONT_DATABASE_URL): tasks and ledger in PostgreSQL,
   * shared by every process given the same URL. Without it: SQLite and the JSONL ledger.
   */
  databaseUrl?: string;
  /**
   * `--redis redis://…` (default: SYMBIONT_REDIS_URL): model calls go to `symbiont worker`
   * processes through BullMQ instead of running here. Needs a database URL.
   */
  redisUrl?: string;
  /**
   * Take over, twice per lease TTL, unfinished tasks whose holder's lease expired (a process on
   * another machine died). `serve` sets it with a shared database. Default: false.
   */
  takeOver?: boolean;
  /** `--provider`; else chosen by the registry's selection rules. */
  provider?: string;
  claudeBin?: string;
  baseUrl?: string;
  /** Defaults for every task's settings (the chosen provider is filled in). */
  defaults?: Partial<TaskSettings>;
  /** Process-wide concurrency cap. Default 16. */
  globalConcurrency?: number;
  /** Scales the simulator's latencies. Default 1 (or SYMBIONT_SIM_LATENCY_SCALE). */
  simulatedLatencyScale?: number;
  /** Finished tasks the memory store keeps. Default 1000. */
  keepFinished?: number;
  /** Private key that signs ledger checkpoints (outside the home). Default: SYMBIONT_LEDGER_KEY, else none. */
  ledgerKey?: string;
  /**
   * For reading commands: the store is opened read-only (a missing one reads as empty), the
   * ledger is not opened (appends refused), nothing in the home is created or written.
   */
  readOnly?: boolean;
  /** Receives warnings (torn ledger tail set aside, ...). Default: stderr. */
  onWarning?: (message: string) => void;
  /** The operator's limits on submissions (`serve`); none by default. */
  limits?: OperatorLimits;
  /** Extra task-manager options (tests and benches). */
  manager?: Partial<TaskManagerOptions>;
}

export interface App {
  service: TaskManager;
  store: TaskStore;
  home: string;
  ledgerPath: string;
  /** The PostgreSQL database (without its password) when one is used, else null. */
  database: string | null;
  providerName: string;
  /** Why this provider was chosen. */
  providerReason: string;
  /** The provider's notice for every run (the offline simulator has one), else null. */
  providerNotice: string | null;
  observeCalls(listener: CallListener): () => void;
  /** Every stored event of every task this process runs (the server's /metrics gauges). */
  observeEvents(listener: (event: TaskEvent) => void): () => void;
  verifyLedger(): ReturnType<typeof verifyLedgerFile>;
  /** Resumes every interrupted task of the home and waits for them (`symbiont resume`). */
  resumeAll(options?: { onResumed?: (taskId: string) => void }): Promise<ResumeAllResult>;
  costReport(by: 'model' | 'day' | 'task'): ReturnType<typeof reportLedgerFile>;
  /** Rejects when the store cannot take a write now (readiness). */
  checkReady(): Promise<void>;
  /** Stops the manager (running tasks stay resumable), then closes the store and ledger. */
  close(): Promise<void>;
}

export { SIMULATED_NOTICE };

/** SYMBIONT_LEASE_TTL_MS: the execution lease's lifetime (default 30 s; tests shorten it). */
function leaseTtlFrom(env: NodeJS.ProcessEnv): number | undefined {
  return millisecondsFromEnv('SYMBIONT_LEASE_TTL_MS', env.SYMBIONT_LEASE_TTL_MS, 100);
}

export async function openApp(config: AppConfig = {}): Promise<App> {
  const env = config.env ?? process.env;
  const leaseTtlMs = leaseTtlFrom(env);
  const readOnly = config.readOnly === true;
  const home = config.home ?? (readOnly ? resolveHome(env) : ensureHome(env));
  if (config.home && !readOnly) ensureHome({ ...env, SYMBIONT_HOME: config.home });
  const selection = selectProvider({
    ...(config.provider ? { flag: config.provider } : {}),
    env,
    findOnPath: (binary) => findOnPath(binary, env),
  });
  const onWarning = config.onWarning ?? ((message: string) => process.stderr.write(`symbiont: ${message}\n`));
  const databaseUrl = databaseUrlFrom(config.databaseUrl, env);
  const redisUrl = (config.redisUrl ?? env.SYMBIONT_REDIS_URL ?? '').trim();
  if (redisUrl !== '' && databaseUrl === undefined) {
    throw new SymbiontError(
      'CONFIG',
      '--redis needs --database postgres://… (or SYMBIONT_DATABASE_URL): workers write call results there',
    );
  }
  // The key signs the checkpoints of either ledger, the file or the PostgreSQL one.
  const keyPath = readOnly ? undefined : (config.ledgerKey ?? (env.SYMBIONT_LEDGER_KEY || undefined));
  const signingKey = keyPath === undefined ? undefined : loadSigningKey(keyPath, home);
  const signer = signingKey === undefined ? undefined : checkpointSigner(signingKey);
  const postgres: PostgresBacking | undefined =
    databaseUrl === undefined
      ? undefined
      : await openPostgresBacking(databaseUrl, {
          onWarning,
          ...(signer && signingKey ? { signer, publicKey: signingKey.publicKey } : {}),
        });
  const ledgerPath = postgres?.safeUrl ?? homePaths.ledger(home);
  const queued: BullmqExecutors | undefined =
    redisUrl === '' || postgres === undefined || readOnly
      ? undefined
      : createBullmqExecutors({ redisUrl, database: postgres.pool, clock: systemClock });
  // A broken ledger still opens, so that reads and `ledger verify` work; appends are refused
  // with the line that breaks the chain, which fails the task that tried, never silently.
  const fileLedger =
    readOnly || postgres !== undefined
      ? undefined
      : await openFileLedger(ledgerPath, {
          onWarning,
          whenCorrupt: 'refuse-appends',
          ...(signer ? { signer } : {}),
        });
  const ledger = new ObservedLedger(postgres?.ledger ?? fileLedger ?? new ReadOnlyLedger(ledgerPath));
  let store: TaskStore;
  try {
    const databasePath = homePaths.database(home);
    if (postgres !== undefined) store = postgres.store;
    else if (config.store === 'memory' || (readOnly && !existsSync(databasePath))) {
      store = createMemoryStore({ keepFinished: config.keepFinished ?? 1000 });
    } else if (readOnly) store = openSqliteStore(databasePath, { readOnly });
    else {
      const sqlite = openSqliteStore(homePaths.database(home));
      store = sqlite;
      const paths = { database: homePaths.database(home), ledger: ledgerPath };
      const warning = newStoreWarning(sqlite, paths, fileLedger?.head.seq ?? 0);
      if (warning) onWarning(warning);
    }
  } catch (error) {
    await ledger.close();
    throw error;
  }
  const latencyScale =
    config.simulatedLatencyScale ??
    (env.SYMBIONT_SIM_LATENCY_SCALE !== undefined ? Number(env.SYMBIONT_SIM_LATENCY_SCALE) : 1);
  const providers = createProviderResolver({
    env,
    home,
    clock: systemClock,
    ...(config.claudeBin ? { claudeBin: config.claudeBin } : {}),
    ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}),
    simulatedLatencyScale: Number.isFinite(latencyScale) ? latencyScale : 1,
  });
  // Critical-path priority from the durations the store has seen (tier weights without history),
  // read before the first task ranks its subtasks; a read-only app runs no task.
  const durations = learnedDurations(store, { clock: systemClock });
  if (!readOnly) await durations.refresh();
  const service = new TaskManager({
    estimateDuration: durations.estimate,
    clock: systemClock,
    entropy: systemEntropy,
    store,
    ledger,
    providers,
    defaults: { ...config.defaults, provider: config.defaults?.provider ?? selection.name },
    ...(config.globalConcurrency ? { globalConcurrency: config.globalConcurrency } : {}),
    // A crashed run of this host is taken over at once, not after its lease expires.
    isLeaseHolderGone: isLocalHolderGone,
    ...(leaseTtlMs === undefined ? {} : { leaseTtlMs }),
    ...(config.limits ? { limits: config.limits } : {}),
    ...(queued ? { executorFor: () => queued.executor } : {}),
    ...config.manager,
  });
  let closed = false;
  const sweep =
    config.takeOver !== true || readOnly
      ? undefined
      : setInterval(
          () => {
            service
              .resumeInterrupted()
              .catch((error: unknown) => onWarning(`taking over tasks: ${String(error)}`));
          },
          (leaseTtlMs ?? 30_000) / 2,
        );
  sweep?.unref();
  return {
    service,
    store,
    home,
    ledgerPath,
    database: postgres?.safeUrl ?? null,
    providerName: selection.name,
    providerReason: selection.reason,
    providerNotice: providerEntry(selection.name).notice ?? null,
    observeCalls: (listener) => ledger.observe(listener),
    observeEvents: (listener) => service.bus.subscribeAll(listener),
    // Against the checkpoints when this process has the key; `signed` says unverifiable otherwise.
    verifyLedger: async () => {
      if (postgres !== undefined) return postgres.verify();
      const verdict = await verifyLedgerFile(
        ledgerPath,
        signingKey ? { publicKey: signingKey.publicKey } : {},
      );
      return {
        ...verdict,
        signed: verdict.signed ?? {
          status: 'unverifiable',
          detail: 'no ledger key is configured (SYMBIONT_LEDGER_KEY)',
        },
      };
    },
    resumeAll: (options = {}) =>
      resumeAllAndWait(service, store, {
        clock: systemClock,
        ...(options.onResumed ? { onResumed: options.onResumed } : {}),
      }),
    costReport: (by) => postgres?.costReport(by) ?? reportLedgerFile(ledgerPath, by),
    checkReady: async () => {
      await store.checkWritable?.();
      await queued?.check();
    },
    close: async () => {
      if (closed) return;
      closed = true;
      if (sweep) clearInterval(sweep);
      await service.close();
      await ledger.close();
      await store.close();
      await queued?.close();
      await postgres?.close();
    },
  };
}

/** Opens the app, runs `use` with it, and closes it whatever happens (a CLI command's life). */
export async function withApp<T>(config: AppConfig, use: (app: App) => Promise<T>): Promise<T> {
  const app = await openApp(config);
  try {
    return await use(app);
  } finally {
    await app.close();
  }
}
