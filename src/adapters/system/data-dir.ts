// What `doctor` and `serve` say about the data directory's permissions: tasks hold prompts and
// results, the ledger the calls, so the directory and its files should be owner-only.

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function modeText(mode: number): string {
  return (mode & 0o777).toString(8).padStart(4, '0');
}

/**
 * One warning for the directory when group or others may read or enter it, and one for each
 * file directly inside it that they may read or write. Nothing for a directory that is missing.
 */
export function dataDirWarnings(home: string): string[] {
  let directoryMode: number;
  try {
    directoryMode = statSync(home).mode;
  } catch {
    return [];
  }
  const warnings: string[] = [];
  if ((directoryMode & 0o077) !== 0) {
    warnings.push(
      `data directory ${home} is open to other users (mode ${modeText(directoryMode)}): run \`chmod 700 ${home}\``,
    );
  }
  let names: string[];
  try {
    names = readdirSync(home);
  } catch {
    return warnings;
  }
  for (const name of names.sort()) {
    const path = join(home, name);
    let stats: ReturnType<typeof statSync>;
    try {
      stats = statSync(path);
    } catch {
      continue;
    }
    if (stats.isFile() && (stats.mode & 0o066) !== 0) {
      warnings.push(
        `${path} is readable or writable by other users (mode ${modeText(stats.mode)}): run \`chmod 600 ${path}\``,
      );
    }
  }
  return warnings;
}
