// The environment variables symbiont reads whatever the provider (each provider's own are in
// its registry entry). The README lists both; a test checks that the code reads no others.

import type { EnvVariable } from './providers/provider-entry.js';

export const GENERAL_VARIABLES: readonly EnvVariable[] = [
  {
    name: 'SYMBIONT_PROVIDER',
    meaning: 'the provider, when `--provider` is not given',
    default: 'chosen by the rules above',
  },
  {
    name: 'SYMBIONT_HOME',
    meaning: 'the data directory (task store, ledger, tokens)',
    default: '`$XDG_DATA_HOME/symbiont`, else `~/.local/share/symbiont`',
  },
  {
    name: 'XDG_DATA_HOME',
    meaning: 'where the data directory goes when SYMBIONT_HOME is unset',
    default: '`~/.local/share`',
  },
  {
    name: 'SYMBIONT_DATABASE_URL',
    meaning:
      'PostgreSQL (`postgres://…`) for tasks and the ledger, shared by several processes and machines (`--database` wins)',
    default: 'none: SQLite and the JSONL ledger in the data directory',
  },
  {
    name: 'SYMBIONT_REDIS_URL',
    meaning:
      'Redis for BullMQ: model calls run on `symbiont worker` processes (`--redis` wins; needs a database URL)',
    default: 'none: calls run in-process',
  },
  {
    name: 'SYMBIONT_LEASE_TTL_MS',
    meaning: "how long a running task's lease lasts before another process may take it over",
    default: '30000',
  },
  {
    name: 'SYMBIONT_LEDGER_KEY',
    meaning:
      'the key that signs ledger checkpoints (`--ledger-key` wins), and that `ledger verify` checks them with (`--key` wins)',
    default: 'none: checkpoints unsigned',
  },
  {
    name: 'XDG_CONFIG_HOME',
    meaning: '`ledger keygen` writes the key pair to `$XDG_CONFIG_HOME/symbiont`',
    default: '`~/.config`',
  },
  {
    name: 'SYMBIONT_METRICS_TOKEN',
    meaning: '`serve`: a bearer token (16 characters or more) that opens `/metrics` and nothing else',
    default: 'none: `/metrics` needs an admin token',
  },
  {
    name: 'SYMBIONT_CANCEL_WINDOW_MS',
    meaning: 'milliseconds after a first Ctrl-C on `run` in which a second one cancels the task',
    default: '1000',
  },
  { name: 'PATH', meaning: 'where `claude` is looked for', default: "the shell's" },
  {
    name: 'PATHEXT',
    meaning: 'on Windows, the extensions an executable on PATH may have',
    default: '`.EXE;.CMD;.BAT`',
  },
];
