// Starting the API: the bind policy (no tokens means 127.0.0.1 only; any other address is
// refused), listening, then resuming interrupted tasks. `symbiont serve` and tests use it.

import type { FastifyInstance } from 'fastify';
import { invalidValue, SymbiontError } from '../core/errors.js';
import { buildServer } from './server.js';
import type { ServerOptions } from './server-options.js';

export interface StartOptions extends Omit<ServerOptions, 'allowAnonymous'> {
  /** Address to bind. Default 127.0.0.1. Without tokens only 127.0.0.1 (or localhost) is allowed. */
  host?: string;
  /** Port; 0 lets the OS pick. Default 7962. */
  port?: number;
  /** Resume interrupted tasks (TaskService.resumeInterrupted, as `symbiont resume`) once listening. Default true. */
  resume?: boolean;
}

export interface RunningServer {
  server: FastifyInstance;
  /** e.g. http://127.0.0.1:7962 */
  url: string;
  host: string;
  port: number;
  /** True when no token exists: open to the local user only. */
  localMode: boolean;
  /** Ids of the tasks resumed at start. */
  resumed: string[];
  /** Stops accepting connections, ends event streams, waits for requests in flight. */
  close(): Promise<void>;
}

export const DEFAULT_PORT = 7962;
const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost']);

/** Whether `host` binds only the IPv4 loopback address. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_NAMES.has(host.toLowerCase());
}

/** Throws CONFIG when binding `host` without any token would expose the API. */
export function assertBindAllowed(host: string, hasTokens: boolean): void {
  if (hasTokens || isLoopbackHost(host)) return;
  throw new SymbiontError(
    'CONFIG',
    `refusing to listen on ${host} without API tokens: anyone who can reach it could run tasks. ` +
      'Create a token with `symbiont token create --name NAME` (then every request needs it), ' +
      'or listen on 127.0.0.1.',
  );
}

export async function startServer(options: StartOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw invalidValue('port', 'a whole number from 0 to 65535', port);
  }
  const hasTokens = (await options.tokens.list()).length > 0;
  assertBindAllowed(host, hasTokens);
  const server = await buildServer({ ...options, allowAnonymous: isLoopbackHost(host) });
  try {
    await server.listen({ host: isLoopbackHost(host) ? '127.0.0.1' : host, port });
  } catch (error) {
    await server.close();
    throw new SymbiontError('CONFIG', `cannot listen on ${host}:${port}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  // Only once the port is ours: a server that cannot start must not take tasks over.
  let resumed: string[] = [];
  try {
    if (options.resume !== false) resumed = await options.backend.service.resumeInterrupted();
  } catch (error) {
    await server.close();
    throw error;
  }
  const address = server.server.address();
  const boundPort = typeof address === 'object' && address !== null ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    server,
    url: `http://${shownHost}:${boundPort}`,
    host,
    port: boundPort,
    localMode: !hasTokens,
    resumed,
    close: () => server.close(),
  };
}
