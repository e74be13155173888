// `symbiont worker --redis redis://… --database postgres://…`: runs the model calls that
// coordinators (`serve`, `run` given --redis) queue, on this machine's providers. SIGTERM or
// SIGINT: takes no new call, finishes the calls in flight, exits.

import { Command } from 'commander';
import { openWorker } from '../../app/worker-app.js';
import { SymbiontError } from '../../core/errors.js';
import { wholeNumber } from '../cli-options.js';

interface WorkerFlags {
  redis?: string;
  database?: string;
  provider: string;
  claudeBin?: string;
  baseUrl?: string;
  concurrency: string;
  globalConcurrency?: string;
  rateLimit?: string;
  lockMs: string;
  stalledMs: string;
}

/** `N/MS`: at most N calls per MS milliseconds. */
function rateLimitOf(value: string): { max: number; durationMs: number } {
  const match = /^(\d+)\/(\d+)$/.exec(value.trim());
  if (!match)
    throw new SymbiontError(
      'INVALID_ARGUMENT',
      `--rate-limit expects CALLS/MS (e.g. 50/1000), got '${value}'`,
    );
  return {
    max: wholeNumber('--rate-limit', match[1]!, 1),
    durationMs: wholeNumber('--rate-limit', match[2]!, 1),
  };
}

const say = (line: string) => process.stderr.write(`symbiont worker: ${line}\n`);

export function workerCommand(): Command {
  return new Command('worker')
    .description(
      'run queued model calls for coordinators on several machines (BullMQ on Redis, results in PostgreSQL)',
    )
    .option('--redis <url>', 'Redis with the call queues (default: SYMBIONT_REDIS_URL)')
    .option('--database <url>', 'PostgreSQL the results go to (default: SYMBIONT_DATABASE_URL)')
    .option('--provider <names>', 'providers this worker serves, comma-separated', 'simulated')
    .option(
      '--claude-bin <path>',
      'the claude executable (default: SYMBIONT_CLAUDE_BIN, else claude on PATH)',
    )
    .option('--base-url <url>', 'base URL of an OpenAI-compatible server')
    .option('--concurrency <n>', 'calls this process runs at once per model', '16')
    .option('--global-concurrency <n>', 'calls at once per model across ALL workers')
    .option('--rate-limit <calls/ms>', 'calls per model per window across all workers, e.g. 50/1000')
    .option('--lock-ms <ms>', 'job lock; a worker silent this long loses its call to another', '60000')
    .option('--stalled-ms <ms>', 'how often lapsed locks are looked for', '15000')
    .action(async (flags: WorkerFlags) => {
      const redisUrl = flags.redis ?? process.env.SYMBIONT_REDIS_URL;
      const databaseUrl = flags.database ?? process.env.SYMBIONT_DATABASE_URL;
      if (!redisUrl || !databaseUrl) {
        throw new SymbiontError(
          'INVALID_ARGUMENT',
          'a worker needs --redis redis://… and --database postgres://…',
        );
      }
      const app = await openWorker({
        redisUrl,
        databaseUrl,
        providers: flags.provider
          .split(',')
          .map((name) => name.trim())
          .filter((name) => name !== ''),
        ...(flags.claudeBin ? { claudeBin: flags.claudeBin } : {}),
        ...(flags.baseUrl ? { baseUrl: flags.baseUrl } : {}),
        concurrency: wholeNumber('--concurrency', flags.concurrency, 1),
        ...(flags.globalConcurrency
          ? { globalConcurrency: wholeNumber('--global-concurrency', flags.globalConcurrency, 1) }
          : {}),
        ...(flags.rateLimit ? { rateLimit: rateLimitOf(flags.rateLimit) } : {}),
        lockDurationMs: wholeNumber('--lock-ms', flags.lockMs, 1000),
        stalledIntervalMs: wholeNumber('--stalled-ms', flags.stalledMs, 500),
        log: say,
      });
      const received = await new Promise<string>((resolve) => {
        process.once('SIGTERM', () => resolve('SIGTERM'));
        process.once('SIGINT', () => resolve('SIGINT'));
        say(`ready (providers ${flags.provider})`);
      });
      say(`${received}: finishing the calls in flight`);
      process.once('SIGTERM', () => process.exit(1));
      process.once('SIGINT', () => process.exit(1));
      await app.close();
      say('stopped');
    });
}
