// For the dashboard's browser tests: the real API over a temporary home (simulated provider,
// optionally one API token), and Debian's Chromium driven by playwright-core with a fresh
// profile. A missing Chromium is a test failure that says how to install it, never a skip.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { FileTokenStore, tokenFilePath } from '../../src/adapters/auth/file-token-store.js';
import { issueToken } from '../../src/adapters/auth/issue-token.js';
import { openApp } from '../../src/app/compose.js';
import { startServer } from '../../src/http/listen.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface DashboardServer {
  url: string;
  /** The API token (a plain, non-admin one), or null when the server runs without tokens. */
  token: string | null;
  close(): Promise<void>;
}

export async function startDashboardServer(options: { withToken: boolean }): Promise<DashboardServer> {
  const home = mkdtempSync(join(tmpdir(), 'symbiont-web-'));
  const app = await openApp({
    home,
    env: { SYMBIONT_HOME: home },
    store: 'sqlite',
    provider: 'simulated',
    // Latencies come from [[sim ...]] directives in the prompts; the rest stay short.
    simulatedLatencyScale: 0.1,
    onWarning: () => {},
  });
  const tokens = new FileTokenStore(tokenFilePath(home));
  const token = options.withToken ? (await issueToken(tokens, { name: 'alice' })).token : null;
  const running = await startServer({
    backend: app,
    tokens,
    host: '127.0.0.1',
    port: 0,
    logger: false,
    rateLimit: false,
    heartbeatMs: 500,
    tokenCacheMs: 0,
  });
  return {
    url: running.url,
    token,
    close: async () => {
      try {
        await running.close();
        await app.close();
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    },
  };
}

export interface BrowserSession {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Launches Chromium with a fresh profile; throws with the install command when it is missing. */
export async function openBrowser(): Promise<BrowserSession> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `the dashboard tests need Chromium at ${CHROMIUM_PATH}; install it with ` +
        '`apt-get update && apt-get install -y chromium` (scripts/test.sh does this)',
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'symbiont-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
    });
    return {
      context,
      close: async () => {
        try {
          await context.close();
        } finally {
          rmSync(profile, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}
