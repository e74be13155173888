// A fresh temporary home for each test of an engine-level test file, with a call log path for
// the counting provider (test/fakes/counting-provider.ts) and a list of things to close after
// the test (in reverse order, errors ignored) before the home is removed.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';

export interface TempHome {
  readonly home: string;
  /** `<home>/calls.jsonl`. */
  readonly callLog: string;
  /** Runs `close` after the test, before the home is removed. */
  onCleanup(close: () => Promise<void>): void;
  /** Runs what was registered so far now, in reverse order; an error fails the test. */
  cleanUpNow(): Promise<void>;
}

/** Registers the hooks; call it at the top of a test file. */
export function useTempHome(prefix: string): TempHome {
  let home: string | undefined;
  const closers: (() => Promise<void>)[] = [];
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
    if (home) rmSync(home, { recursive: true, force: true });
    home = undefined;
  });
  const current = () => {
    if (home === undefined) throw new Error('useTempHome: no home outside a test');
    return home;
  };
  return {
    get home() {
      return current();
    },
    get callLog() {
      return join(current(), 'calls.jsonl');
    },
    onCleanup: (close) => {
      closers.push(close);
    },
    cleanUpNow: async () => {
      for (const close of closers.splice(0).reverse()) await close();
    },
  };
}
