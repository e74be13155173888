// One dashboard server and one Chromium for a describe block of browser tests: started before
// its tests, closed after them. The block's tests read both through the returned function,
// which fails the test when the set-up did not finish.

import { afterAll, beforeAll } from 'vitest';
import {
  type BrowserSession,
  type DashboardServer,
  openBrowser,
  startDashboardServer,
} from './browser-session.js';

export interface DashboardSuite {
  server: DashboardServer;
  session: BrowserSession;
}

/** Registers the block's set-up and tear-down; call it inside `describe`. */
export function useDashboard(options: { withToken: boolean }): () => DashboardSuite {
  let server: DashboardServer | undefined;
  let session: BrowserSession | undefined;

  beforeAll(async () => {
    server = await startDashboardServer(options);
    session = await openBrowser();
  }, 60_000);

  afterAll(async () => {
    await session?.close();
    await server?.close();
  });

  return () => {
    if (!server || !session) throw new Error('set-up failed');
    return { server, session };
  };
}
