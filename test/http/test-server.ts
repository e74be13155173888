// Starts the real API for a test: a temporary home, the real engine (openApp with the simulated
// provider, latency scaled down), a file token store with three tokens, logs captured in memory.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { FileTokenStore, tokenFilePath } from '../../src/adapters/auth/file-token-store.js';
import { issueToken } from '../../src/adapters/auth/issue-token.js';
import { type App, openApp } from '../../src/app/compose.js';
import type { OperatorLimits } from '../../src/core/operator-limits.js';
import { type RunningServer, type StartOptions, startServer } from '../../src/http/listen.js';

export interface TestServer {
  url: string;
  home: string;
  app: App;
  running: RunningServer;
  /** Token strings by name: alice and bob (plain), root (admin). Empty without tokens. */
  tokens: Record<string, string>;
  tokenStore: FileTokenStore;
  /** Every log line the server wrote. */
  logs: string[];
  /** fetch against the server, with alice's token unless `token` says otherwise (null: none). */
  call(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  store?: 'memory' | 'sqlite';
  /** Create the alice, bob and root tokens. Default true. */
  withTokens?: boolean;
  /** Simulator latency scale. Default 0.02. */
  latencyScale?: number;
  server?: Partial<StartOptions>;
  /** The operator's limits (as `serve` passes them). */
  limits?: OperatorLimits;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const home = mkdtempSync(join(tmpdir(), 'symbiont-http-'));
  const app = await openApp({
    home,
    env: { SYMBIONT_HOME: home },
    store: options.store ?? 'sqlite',
    provider: 'simulated',
    simulatedLatencyScale: options.latencyScale ?? 0.02,
    onWarning: () => {},
    ...(options.limits ? { limits: options.limits } : {}),
  });
  const tokenStore = new FileTokenStore(tokenFilePath(home));
  const tokens: Record<string, string> = {};
  if (options.withTokens ?? true) {
    tokens.alice = (await issueToken(tokenStore, { name: 'alice' })).token;
    tokens.bob = (await issueToken(tokenStore, { name: 'bob' })).token;
    tokens.root = (await issueToken(tokenStore, { name: 'root', admin: true })).token;
  }
  const logs: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(line) });
  const running = await startServer({
    backend: app,
    tokens: tokenStore,
    host: '127.0.0.1',
    port: 0,
    logger,
    rateLimit: false,
    heartbeatMs: 200,
    tokenCacheMs: 0,
    ...options.server,
  });
  const call = (path: string, init: RequestInit & { token?: string | null } = {}) => {
    const { token = tokens.alice, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    return fetch(`${running.url}${path}`, { ...rest, headers });
  };
  return {
    url: running.url,
    home,
    app,
    running,
    tokens,
    tokenStore,
    logs,
    call,
    close: async () => {
      try {
        await running.close();
        await app.close();
        // Every suite ends with this check: no token string in the logs, ledger, database or files.
        const leaks = findSecrets(home, logs, Object.values(tokens));
        if (leaks.length > 0) throw new Error(`token strings found in: ${leaks.join(', ')}`);
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    },
  };
}

function filesUnder(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

/** Where any of `secrets` appears: the files under `home` (ledger, database, WAL...) and the logs. */
export function findSecrets(home: string, logs: readonly string[], secrets: readonly string[]): string[] {
  const places: string[] = [];
  const logText = logs.join('');
  for (const secret of secrets) {
    if (logText.includes(secret)) places.push('logs');
    for (const path of filesUnder(home)) {
      if (readFileSync(path).includes(secret)) places.push(path);
    }
  }
  return places;
}

/** POST /tasks with a JSON body. */
export function postJson(server: TestServer, path: string, body: unknown, token?: string | null) {
  return server.call(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(token !== undefined ? { token } : {}),
  });
}
