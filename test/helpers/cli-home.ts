// The CLI as a child process against a temporary SYMBIONT_HOME, for test files that start
// `symbiont` many times: the CLI is bundled once for the file (test/durability/processes.ts),
// each test (or the whole file) gets a fresh home and an environment naming it, and both are
// removed afterwards. Optionally a ledger key pair signs the ledger's checkpoints, so that
// `ledger verify` can say "verified".

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { type ProgramCommand, prepareCli } from '../durability/processes.js';
import { makeLedgerKey } from '../ledger/fixtures/ledger-fixtures.js';

/** No provider configured from the developer's environment: the tests name one themselves. */
export const NO_PROVIDER_ENV: Readonly<Record<string, string>> = {
  SYMBIONT_PROVIDER: '',
  ANTHROPIC_API_KEY: '',
  OPENAI_BASE_URL: '',
};

export interface CliHomeOptions {
  /** The temporary home's name starts with this. */
  prefix: string;
  /** A fresh home for each test (the default), or one for the whole file. */
  scope?: 'test' | 'file';
  /** Sign the ledger's checkpoints with a key made for the file (SYMBIONT_LEDGER_KEY). */
  signLedger?: boolean;
  /** More variables for the CLI, given the home; an undefined value removes that variable. */
  env?: (home: string) => Record<string, string | undefined>;
}

export interface CliHome {
  /** How to start the CLI (ready once the file's beforeAll has run). */
  readonly cli: ProgramCommand;
  readonly home: string;
  /** process.env with SYMBIONT_HOME (and SYMBIONT_LEDGER_KEY) set and options.env applied. */
  readonly env: NodeJS.ProcessEnv;
  /** With signLedger: the key pair; its public half verifies the ledger. */
  readonly ledgerKey: { privatePath: string; publicPath: string };
}

/** Registers the set-up and tear-down hooks; call it at the top of a test file. */
export function useCliHome(options: CliHomeOptions): CliHome {
  const ledgerKey = options.signLedger ? makeLedgerKey() : undefined;
  let cli: ProgramCommand | undefined;
  let home: string | undefined;
  let env: NodeJS.ProcessEnv | undefined;

  const makeHome = () => {
    home = mkdtempSync(join(tmpdir(), options.prefix));
    env = { ...process.env, SYMBIONT_HOME: home };
    if (ledgerKey) env.SYMBIONT_LEDGER_KEY = ledgerKey.privatePath;
    for (const [name, value] of Object.entries(options.env?.(home) ?? {})) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
  };
  const removeHome = () => {
    if (home) rmSync(home, { recursive: true, force: true });
    home = undefined;
    env = undefined;
  };

  beforeAll(async () => {
    cli = await prepareCli();
    if (options.scope === 'file') makeHome();
  }, 120_000);
  afterAll(() => {
    cli?.dispose();
    ledgerKey?.remove();
    if (options.scope === 'file') removeHome();
  });
  if (options.scope !== 'file') {
    beforeEach(makeHome);
    afterEach(removeHome);
  }

  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`useCliHome: no ${what} outside the tests and their hooks`);
    return value;
  };
  return {
    get cli() {
      return ready(cli, 'CLI');
    },
    get home() {
      return ready(home, 'home');
    },
    get env() {
      return ready(env, 'environment');
    },
    get ledgerKey() {
      return ready(ledgerKey, 'ledger key (pass signLedger)');
    },
  };
}
