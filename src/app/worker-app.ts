// The composition of `symbiont worker`: the PostgreSQL pool results go to, this machine's
// providers, and the BullMQ workers that run the coordinators' calls on them.

import { type CallWorkers, startCallWorkers } from '../adapters/executors/call-worker.js';
import { openPostgresPool } from '../adapters/stores/postgres-connection.js';
import { ensurePostgresSchema } from '../adapters/stores/postgres-schema.js';
import { systemClock } from '../adapters/system/system-clock.js';
import { ensureHome } from '../config/home.js';
import { SymbiontError } from '../core/errors.js';
import { createInProcessExecutor } from '../engine/in-process-executor.js';
import type { CallExecutor } from '../ports/call-executor.js';
import { createProviderResolver } from './providers/registry.js';

export interface WorkerConfig {
  redisUrl: string;
  databaseUrl: string;
  providers: readonly string[];
  env?: NodeJS.ProcessEnv;
  claudeBin?: string;
  baseUrl?: string;
  concurrency?: number;
  globalConcurrency?: number;
  rateLimit?: { max: number; durationMs: number };
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  log?: (line: string) => void;
}

export interface WorkerApp {
  workers: CallWorkers;
  close(): Promise<void>;
}

export async function openWorker(config: WorkerConfig): Promise<WorkerApp> {
  if (config.providers.length === 0)
    throw new SymbiontError('CONFIG', 'a worker needs at least one --provider');
  const env = config.env ?? process.env;
  const database = openPostgresPool(config.databaseUrl);
  try {
    await ensurePostgresSchema(database);
  } catch (error) {
    await database.close().catch(() => {});
    throw error;
  }
  const scale = env.SYMBIONT_SIM_LATENCY_SCALE !== undefined ? Number(env.SYMBIONT_SIM_LATENCY_SCALE) : 1;
  const resolve = createProviderResolver({
    env,
    home: ensureHome(env),
    clock: systemClock,
    ...(config.claudeBin ? { claudeBin: config.claudeBin } : {}),
    ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}),
    simulatedLatencyScale: Number.isFinite(scale) ? scale : 1,
  });
  const executors = new Map<string, CallExecutor>();
  const executorFor = (provider: string): CallExecutor => {
    let executor = executors.get(provider);
    if (executor === undefined) {
      executor = createInProcessExecutor(resolve(provider), systemClock);
      executors.set(provider, executor);
    }
    return executor;
  };
  for (const provider of config.providers) resolve(provider);
  const workers = await startCallWorkers({
    redisUrl: config.redisUrl,
    database,
    clock: systemClock,
    providers: config.providers,
    executorFor,
    ...(config.concurrency === undefined ? {} : { concurrency: config.concurrency }),
    ...(config.globalConcurrency === undefined ? {} : { globalConcurrency: config.globalConcurrency }),
    ...(config.rateLimit === undefined ? {} : { rateLimit: config.rateLimit }),
    ...(config.lockDurationMs === undefined ? {} : { lockDurationMs: config.lockDurationMs }),
    ...(config.stalledIntervalMs === undefined ? {} : { stalledIntervalMs: config.stalledIntervalMs }),
    ...(config.log ? { log: config.log } : {}),
  });
  return {
    workers,
    async close() {
      await workers.close();
      await database.close();
    },
  };
}
