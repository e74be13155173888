// The HTTP server's options: one documented field each, with its default, and the check of the
// request caps that buildServer (server.ts) applies before it builds anything.

import type { Logger } from 'pino';
import type { TokenStore } from '../ports/token-store.js';
import type { ConnectionLimits } from './connection-limits.js';
import type { RateLimitOptions } from './rate-limit.js';
import type { ServerBackend } from './route-types.js';
import type { RequestLimits } from './schemas/request-limits.js';
import type { StreamCaps } from './stream-gate.js';
import type { TaskReadCacheOptions } from './task-read-cache.js';

export interface ServerOptions {
  /** The engine and the ledger views to serve (an App from src/app/compose.ts fits). */
  backend: ServerBackend;
  /** Where the bearer tokens' digests are kept. */
  tokens: TokenStore;
  /**
   * Serve without a token while the token store is empty (local single-user mode). Only safe
   * when bound to loopback; startServer sets it from the host. Default false.
   */
  allowAnonymous?: boolean;
  /**
   * A secret that opens /metrics (and nothing else) to a scraper without an admin token; at
   * least 16 characters. `symbiont serve` reads it from SYMBIONT_METRICS_TOKEN. Default none.
   */
  metricsToken?: string;
  /** Timeouts and the connection cap; defaults in DEFAULT_CONNECTION_LIMITS. */
  connections?: Partial<ConnectionLimits>;
  /** Request caps; defaults in DEFAULT_LIMITS (100,000-character prompt, 500 subtasks, 1 MiB body). */
  limits?: Partial<RequestLimits>;
  /** Per-token token bucket, or false for none. Default 100 at once, 20 per second. */
  rateLimit?: RateLimitOptions | false;
  /** Milliseconds between SSE heartbeat comments. Default 15,000. */
  heartbeatMs?: number;
  /** Milliseconds a read of the token store is reused. Default 1,000. */
  tokenCacheMs?: number;
  /** Request and error logs. Default: pino at info on stdout; false for none. */
  logger?: Logger | false;
  /** The page at GET /. Default: loadDashboardHtml(). */
  dashboardHtml?: () => string;
  /** How many recent tasks the /metrics status gauges start from (then kept from events). Default 10,000. */
  metricsTaskWindow?: number;
  /** The in-memory read side of GET /tasks/:id (see task-read-cache.ts). */
  taskCache?: TaskReadCacheOptions;
  /** Open event streams per token and in all. Default 50 and 1,000. */
  streamCaps?: Partial<StreamCaps>;
  /** Milliseconds between checks that a stream's token is still valid. Default 5,000. */
  streamAuthCheckMs?: number;
}

export function checkLimits(limits: RequestLimits): void {
  for (const [field, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`Expected limits.${field} to be a whole number from 1 and up, got \`${value}\``);
    }
  }
}
