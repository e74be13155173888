// Where symbiont keeps its data (SPEC §8): $SYMBIONT_HOME, else $XDG_DATA_HOME/symbiont,
// else ~/.local/share/symbiont.

import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SYMBIONT_HOME) return env.SYMBIONT_HOME;
  if (env.XDG_DATA_HOME) return join(env.XDG_DATA_HOME, 'symbiont');
  return join(homedir(), '.local', 'share', 'symbiont');
}

/** Resolves the home and creates it (owner-only) if missing. */
export function ensureHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = resolveHome(env);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  return home;
}

export const homePaths = {
  ledger: (home: string) => join(home, 'ledger.jsonl'),
  database: (home: string) => join(home, 'symbiont.db'),
};
