// `symbiont doctor`: says which provider a run would use and why, where the data lives, and
// checks the provider without spending tokens: the check is the provider's registry entry's
// (lists models, or asks the CLI its version).
// Exits 0 when the check passes, 1 otherwise.

import { Command } from 'commander';
import { dataDirWarnings } from '../../app/data-dir.js';
import { checkPostgres } from '../../app/postgres-backing.js';
import type { ProviderCheck } from '../../app/providers/provider-entry.js';
import { PROVIDER_NAMES, providerEntry, selectProvider } from '../../app/providers/registry.js';
import { resolveHome } from '../../config/home.js';
import { findOnPath } from '../../config/provider-selection.js';
import { toSymbiontError } from '../../core/errors.js';
import { CliExit, EXIT_FAILED } from '../exit.js';

export interface DoctorOptions {
  /** Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Default: findOnPath over the env's PATH. */
  findOnPath?: (binary: string) => string | undefined;
  /** Where the report goes. Default: stdout. */
  write?: (text: string) => void;
  /** The fetch for HTTP checks (tests). Default: the global fetch. */
  fetch?: typeof fetch;
  /** How long a check may take. Default 15,000 ms. */
  timeoutMs?: number;
}

interface DoctorFlags {
  provider?: string;
  claudeBin?: string;
  baseUrl?: string;
  database?: string;
}

export function doctorCommand(options: DoctorOptions = {}): Command {
  return new Command('doctor')
    .description('show which provider would be used and why, and check it without spending tokens')
    .option('--provider <name>', PROVIDER_NAMES.join(' | '))
    .option(
      '--claude-bin <path>',
      'the claude executable (default: SYMBIONT_CLAUDE_BIN, else claude on PATH)',
    )
    .option('--base-url <url>', 'base URL of an OpenAI-compatible server')
    .option('--database <url>', 'check this PostgreSQL database (default: SYMBIONT_DATABASE_URL)')
    .action(async (_flags: DoctorFlags, command: Command) => {
      const passed = await runDoctor(command.optsWithGlobals<DoctorFlags>(), options);
      if (!passed) throw new CliExit(EXIT_FAILED);
    });
}

/** Prints the report; resolves whether the check passed. */
export async function runDoctor(flags: DoctorFlags, options: DoctorOptions = {}): Promise<boolean> {
  const env = options.env ?? process.env;
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const find = options.findOnPath ?? ((binary: string) => findOnPath(binary, env));
  const selection = selectProvider({ flag: flags.provider, env, findOnPath: find });
  write(`provider: ${selection.name}\n`);
  write(`why: ${selection.reason}\n`);
  write(`data home: ${resolveHome(env)}\n`);
  for (const warning of dataDirWarnings(resolveHome(env))) write(`warning: ${warning}\n`);
  const signal = AbortSignal.timeout(options.timeoutMs ?? 15_000);
  let check: ProviderCheck;
  try {
    const entry = providerEntry(selection.name);
    if (entry.notice) write(`${entry.notice}\n`);
    check = await entry.doctor({
      env,
      claudeBin: flags.claudeBin,
      baseUrl: flags.baseUrl,
      findOnPath: find,
      write,
      signal,
      fetch: options.fetch,
    });
  } catch (error) {
    check = { ok: false, detail: toSymbiontError(error).message };
  }
  write(`check: ${check.ok ? 'ok' : 'FAILED'}: ${check.detail}\n`);
  const databaseUrl = (flags.database ?? env.SYMBIONT_DATABASE_URL ?? '').trim();
  if (databaseUrl === '') return check.ok;
  const database = await checkPostgres(databaseUrl, options.timeoutMs ?? 15_000);
  write(`database: ${database.ok ? 'ok' : 'FAILED'}: ${database.detail}\n`);
  return check.ok && database.ok;
}
