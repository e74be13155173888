// `symbiont serve`: the HTTP API and the dashboard over the engine and the durable store.
// Resumes interrupted tasks at start; on SIGTERM/SIGINT stops accepting work and leaves
// running tasks resumable.

import { Command } from 'commander';
import { openApp } from '../../app/compose.js';
import { dataDirWarnings } from '../../app/data-dir.js';
import { openTokenStore } from '../../app/tokens.js';
import { operatorLimitsFrom } from '../../config/operator-limits-env.js';
import { SymbiontError } from '../../core/errors.js';
import { DEFAULT_CONNECTION_LIMITS as CONNECTIONS } from '../../http/connection-limits.js';
import { assertBindAllowed, DEFAULT_PORT, startServer } from '../../http/listen.js';
import { DEFAULT_RATE_LIMIT } from '../../http/rate-limit.js';
import { DEFAULT_LIMITS } from '../../http/schemas/request-limits.js';
import { SCRAPE_TOKEN_MIN_CHARS } from '../../http/scrape-token.js';
import { addCommonOptions, appConfigFrom, type CommonFlags, wholeNumber } from '../cli-options.js';
import { addOperatorLimitOptions, operatorLimitTexts, streamCapsFrom } from '../operator-limit-flags.js';

interface ServeFlags extends CommonFlags {
  host: string;
  port: string;
  rateLimit: string;
  rateBurst: string;
  maxPromptChars: string;
  shutdownTimeout: string;
  maxConnections: string;
  requestTimeout: string;
  headersTimeout: string;
  keepAliveTimeout: string;
  idleTimeout: string;
}

const say = (line: string) => process.stderr.write(`symbiont: ${line}\n`);

export function serveCommand(): Command {
  return addOperatorLimitOptions(addCommonOptions(new Command('serve')))
    .description('serve the HTTP API and the dashboard')
    .option('--host <host>', 'address to listen on; without tokens only 127.0.0.1', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', String(DEFAULT_PORT))
    .option(
      '--rate-limit <per-second>',
      'sustained requests per second per token (0: no limit)',
      String(DEFAULT_RATE_LIMIT.perSecond),
    )
    .option('--rate-burst <n>', 'requests a token may make at once', String(DEFAULT_RATE_LIMIT.burst))
    .option('--max-prompt-chars <n>', 'longest prompt accepted', String(DEFAULT_LIMITS.promptMaxChars))
    .option('--shutdown-timeout <seconds>', 'how long SIGTERM waits for requests in flight', '10')
    .option('--max-connections <n>', 'open connections at once', String(CONNECTIONS.maxConnections))
    .option(
      '--request-timeout <seconds>',
      'time for a whole request to arrive',
      String(CONNECTIONS.requestTimeoutMs / 1000),
    )
    .option(
      '--headers-timeout <seconds>',
      "time for a request's headers to arrive",
      String(CONNECTIONS.headersTimeoutMs / 1000),
    )
    .option(
      '--keep-alive-timeout <seconds>',
      'idle time before a keep-alive connection is closed',
      String(CONNECTIONS.keepAliveTimeoutMs / 1000),
    )
    .option(
      '--idle-timeout <seconds>',
      'time without any traffic before a connection is closed',
      String(CONNECTIONS.idleTimeoutMs / 1000),
    )
    .action(async (flags: ServeFlags & Record<string, unknown>) => {
      const port = wholeNumber('--port', flags.port, 0);
      const perSecond = wholeNumber('--rate-limit', flags.rateLimit, 0);
      const burst = wholeNumber('--rate-burst', flags.rateBurst, 1);
      const operatorLimits = operatorLimitsFrom(process.env, operatorLimitTexts(flags));
      const streamCaps = streamCapsFrom(flags);
      const limits = {
        promptMaxChars: wholeNumber('--max-prompt-chars', flags.maxPromptChars, 1),
        // The body's own cap; a plan within it and over max_plan_subtasks is refused with 403.
        planMaxSubtasks: Math.max(DEFAULT_LIMITS.planMaxSubtasks, operatorLimits.max_plan_subtasks ?? 0),
      };
      const shutdownMs = wholeNumber('--shutdown-timeout', flags.shutdownTimeout, 0) * 1000;
      const connections = {
        maxConnections: wholeNumber('--max-connections', flags.maxConnections, 1),
        requestTimeoutMs: wholeNumber('--request-timeout', flags.requestTimeout, 1) * 1000,
        headersTimeoutMs: wholeNumber('--headers-timeout', flags.headersTimeout, 1) * 1000,
        keepAliveTimeoutMs: wholeNumber('--keep-alive-timeout', flags.keepAliveTimeout, 1) * 1000,
        idleTimeoutMs: wholeNumber('--idle-timeout', flags.idleTimeout, 1) * 1000,
      };
      if (connections.headersTimeoutMs > connections.requestTimeoutMs) {
        throw new SymbiontError('INVALID_ARGUMENT', '--headers-timeout must not exceed --request-timeout');
      }
      // A scrape token for /metrics, from the environment only (a flag would show in `ps`).
      const metricsToken = process.env.SYMBIONT_METRICS_TOKEN?.trim();
      if (metricsToken !== undefined && metricsToken !== '' && metricsToken.length < SCRAPE_TOKEN_MIN_CHARS) {
        throw new SymbiontError(
          'INVALID_ARGUMENT',
          `SYMBIONT_METRICS_TOKEN must be at least ${SCRAPE_TOKEN_MIN_CHARS} characters`,
        );
      }
      const tokens = openTokenStore();
      // Refuse an exposed bind before opening anything.
      assertBindAllowed(flags.host, (await tokens.list()).length > 0);

      const config = { ...appConfigFrom(flags), limits: operatorLimits };
      // With a shared database, tasks of a process that died elsewhere are taken over once its
      // lease expires (SYMBIONT_LEASE_TTL_MS, default 30 s).
      const shared = (config.databaseUrl ?? process.env.SYMBIONT_DATABASE_URL ?? '').trim() !== '';
      const app = await openApp(shared ? { ...config, takeOver: true } : config);
      if (app.providerNotice) process.stderr.write(`${app.providerNotice}\n`);
      for (const warning of dataDirWarnings(app.home)) say(`warning: ${warning}`);
      let running: Awaited<ReturnType<typeof startServer>>;
      try {
        running = await startServer({
          backend: app,
          tokens,
          host: flags.host,
          port,
          limits,
          streamCaps,
          connections,
          ...(metricsToken ? { metricsToken } : {}),
          rateLimit: perSecond === 0 ? false : { perSecond, burst },
        });
      } catch (error) {
        await app.close();
        throw error;
      }
      if (running.localMode) {
        say(
          `no API tokens exist: serving WITHOUT authentication, on 127.0.0.1 only (local mode). ` +
            'Create one with `symbiont token create --name NAME`; every request then needs it.',
        );
      }
      // Listening for the signals before saying where it serves: whoever waits for that line may
      // send SIGTERM at once.
      const signalled = new Promise<string>((resolve) => {
        process.once('SIGTERM', () => resolve('SIGTERM'));
        process.once('SIGINT', () => resolve('SIGINT'));
      });
      if (running.resumed.length > 0) say(`resumed ${running.resumed.length} interrupted task(s)`);
      say(`serving ${running.url} (provider ${app.providerName}); GET /openapi.json describes the API`);

      const received = await signalled;
      say(`${received}: no new work is accepted; running tasks stay resumable`);
      // A second signal ends at once.
      const forceExit = () => process.exit(1);
      process.once('SIGTERM', forceExit);
      process.once('SIGINT', forceExit);
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), shutdownMs);
      });
      const drained = Promise.allSettled([running.close(), app.service.close()]).then(
        () => 'drained' as const,
      );
      if ((await Promise.race([drained, deadline])) === 'timeout') {
        say(`requests still in flight after ${shutdownMs / 1000} s: closing their connections`);
        running.server.server.closeAllConnections();
        await drained;
      }
      clearTimeout(timer);
      await app.close();
      say('stopped');
    });
}
