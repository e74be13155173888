// The composition root: reads configuration once, builds the adapters (store, ledger,
// providers) once, and hands them to the task manager. The CLI and the HTTP server start here.

import { openFileLedger } from '../adapters/ledger/file-ledger.js';
import { reportLedgerFile, verifyLedgerFile } from '../adapters/ledger/ledger-file-reader.js';
import { createMemoryStore } from '../adapters/stores/memory-store.js';
import { openSqliteStore } from '../adapters/stores/sqlite-store.js';
import { isLocalHolderGone } from '../adapters/system/lease-holder.js';
import { systemClock, systemEntropy } from '../adapters/system/system-clock.js';
import { ensureHome, homePaths } from '../config/home.js';
import { findOnPath, selectProvider } from '../config/provider-selection.js';
import { SymbiontError } from '../core/errors.js';
import type { TaskSettings } from '../core/records.js';
import { TaskManager, type TaskManagerOptions } from '../engine/task-manager.js';
import type { TaskStore } from '../ports/task-store.js';
import { learnedDurations } from './learned-durations.js';
import type { CallListener } from './observed-ledger.js';
import { ObservedLedger } from './observed-ledger.js';
import { createProviderResolver } from './provider-factory.js';

export interface AppConfig {
  /** Environment to read settings from. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Data directory. Default: resolveHome(env). */
  home?: string;
  /** `sqlite` (default, durable) or `memory`. */
  store?: 'sqlite' | 'memory';
  /** `--provider`; else chosen by selectProvider. */
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
  /** Receives warnings (torn ledger tail set aside, ...). Default: stderr. */
  onWarning?: (message: string) => void;
  /** Extra task-manager options (tests and benches). */
  manager?: Partial<TaskManagerOptions>;
}

export interface App {
  service: TaskManager;
  store: TaskStore;
  home: string;
  ledgerPath: string;
  providerName: string;
  /** Why this provider was chosen. */
  providerReason: string;
  /** A plain notice when the provider is the offline simulator, else null. */
  providerNotice: string | null;
  observeCalls(listener: CallListener): () => void;
  verifyLedger(): ReturnType<typeof verifyLedgerFile>;
  costReport(by: 'model' | 'day' | 'task'): ReturnType<typeof reportLedgerFile>;
  /** Stops the manager (running tasks stay resumable), then closes the store and ledger. */
  close(): Promise<void>;
}

export const SIMULATED_NOTICE =
  'symbiont: using the SIMULATED provider: offline, no language model is called, answers and costs are generated. ' +
  'Use --provider, ANTHROPIC_API_KEY, a `claude` CLI on PATH or OPENAI_BASE_URL for a real model.';

/** SYMBIONT_LEASE_TTL_MS: the execution lease's lifetime (default 30 s; tests shorten it). */
function leaseTtlFrom(env: NodeJS.ProcessEnv): number | undefined {
  const text = env.SYMBIONT_LEASE_TTL_MS;
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 100) {
    throw new SymbiontError(
      'CONFIG',
      `SYMBIONT_LEASE_TTL_MS expects a whole number of milliseconds from 100 up, got '${text}'`,
    );
  }
  return value;
}

export async function openApp(config: AppConfig = {}): Promise<App> {
  const env = config.env ?? process.env;
  const leaseTtlMs = leaseTtlFrom(env);
  const home = config.home ?? ensureHome(env);
  if (config.home) ensureHome({ ...env, SYMBIONT_HOME: config.home });
  const selection = selectProvider({
    ...(config.provider ? { flag: config.provider } : {}),
    env,
    findOnPath: (binary) => findOnPath(binary, env),
  });
  const onWarning = config.onWarning ?? ((message: string) => process.stderr.write(`symbiont: ${message}\n`));
  const ledgerPath = homePaths.ledger(home);
  // A broken ledger still opens, so that reads and `ledger verify` work; appends are refused
  // with the line that breaks the chain, which fails the task that tried, never silently.
  const ledger = new ObservedLedger(
    await openFileLedger(ledgerPath, { onWarning, whenCorrupt: 'refuse-appends' }),
  );
  let store: TaskStore;
  try {
    store =
      config.store === 'memory'
        ? createMemoryStore({ keepFinished: config.keepFinished ?? 1000 })
        : openSqliteStore(homePaths.database(home));
  } catch (error) {
    await ledger.close();
    throw error;
  }
  const latencyScale =
    config.simulatedLatencyScale ??
    (env.SYMBIONT_SIM_LATENCY_SCALE !== undefined ? Number(env.SYMBIONT_SIM_LATENCY_SCALE) : 1);
  const providers = createProviderResolver({
    env,
    ...(config.claudeBin ? { claudeBin: config.claudeBin } : {}),
    ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}),
    simulatedLatencyScale: Number.isFinite(latencyScale) ? latencyScale : 1,
  });
  // Critical-path priority from the durations the store has seen (tier weights without history).
  const durations = learnedDurations(store, { clock: systemClock });
  await durations.refresh();
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
    ...config.manager,
  });
  let closed = false;
  return {
    service,
    store,
    home,
    ledgerPath,
    providerName: selection.name,
    providerReason: selection.reason,
    providerNotice: selection.name === 'simulated' ? SIMULATED_NOTICE : null,
    observeCalls: (listener) => ledger.observe(listener),
    verifyLedger: () => verifyLedgerFile(ledgerPath),
    costReport: (by) => reportLedgerFile(ledgerPath, by),
    close: async () => {
      if (closed) return;
      closed = true;
      await service.close();
      await ledger.close();
      await store.close();
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
