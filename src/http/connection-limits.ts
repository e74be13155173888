// How long and how many: the bounds on what a client can hold (SPEC §15). Every request must
// arrive whole within requestTimeoutMs and its headers within headersTimeoutMs; an idle
// keep-alive connection is closed after keepAliveTimeoutMs and a silent socket after
// idleTimeoutMs; at most maxConnections sockets are open at once (more are refused at accept),
// so that slow clients cannot take the file descriptors the store and the ledger need.
// Errors answered before the body is read close the connection (see closesConnection).

export interface ConnectionLimits {
  /** The whole request (headers and body) must arrive within this; else 408 and close. Default 30,000. */
  requestTimeoutMs: number;
  /** The request's headers must arrive within this. At most requestTimeoutMs. Default 10,000. */
  headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. Default 5,000. */
  keepAliveTimeoutMs: number;
  /**
   * A socket with no traffic either way for this long is destroyed. Event streams send a
   * heartbeat more often than this. Default 300,000 (a submit may wait for planning).
   */
  idleTimeoutMs: number;
  /** Open connections at once; more are closed as they are accepted. Default 512. */
  maxConnections: number;
  /** Requests one keep-alive connection may carry before it is closed. Default 1,000. */
  maxRequestsPerSocket: number;
  /** How often the request and header timeouts are checked. Default 1,000. */
  checkIntervalMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 300_000,
  maxConnections: 512,
  maxRequestsPerSocket: 1_000,
  checkIntervalMs: 1_000,
};

/**
 * Statuses answered before the request body is read (auth, rate limit, size, type, timeout,
 * shutdown): the connection is closed after them instead of reading a body nobody wants, which
 * a client could otherwise drip forever.
 */
const CLOSING_STATUSES: ReadonlySet<number> = new Set([401, 403, 408, 413, 415, 429, 431, 503]);

/** Whether an error reply with this status must close the connection. */
export function closesConnection(status: number): boolean {
  return CLOSING_STATUSES.has(status);
}

/** The limits with defaults filled in; throws RangeError on a value that is not a whole number from 1, or inconsistent ones. */
export function connectionLimitsOf(overrides: Partial<ConnectionLimits> = {}): ConnectionLimits {
  const limits: ConnectionLimits = { ...DEFAULT_CONNECTION_LIMITS };
  for (const [field, value] of Object.entries(overrides) as [keyof ConnectionLimits, unknown][]) {
    if (value === undefined) continue;
    if (!(field in DEFAULT_CONNECTION_LIMITS)) {
      throw new RangeError(`Unknown connection limit \`${field}\``);
    }
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(
        `Expected connections.${field} to be a whole number from 1 and up, got \`${String(value)}\``,
      );
    }
    limits[field] = value;
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new RangeError(
      `Expected connections.headersTimeoutMs (${limits.headersTimeoutMs}) to be at most requestTimeoutMs (${limits.requestTimeoutMs})`,
    );
  }
  return limits;
}

/** The Fastify constructor options that apply the limits (maxConnections is set on the server once built). */
export function fastifyConnectionOptions(limits: ConnectionLimits) {
  return {
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    maxRequestsPerSocket: limits.maxRequestsPerSocket,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
    },
  };
}
