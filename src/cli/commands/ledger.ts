// `symbiont ledger verify` (is the history the one that was signed? exit 0 only when it is),
// `symbiont ledger report` (cost by model, by day and by task) and `symbiont ledger keygen`
// (the Ed25519 key pair that signs checkpoints). verify and report read the files only.
// With `--database postgres://…` (or SYMBIONT_DATABASE_URL) verify checks the ledger stored in
// PostgreSQL and its checkpoints table with the same verdicts, and `ledger export` writes it as
// the JSONL file of SPEC §6.

import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import {
  checkpointsPath,
  generateLedgerKeys,
  isInside,
  type LedgerFileVerdict,
  loadVerifyingKey,
  PostgresLedger,
  reportLedgerFileAll,
  verifyLedgerFile,
} from '../../app/ledger-files.js';
import { homePaths, resolveHome } from '../../config/home.js';
import { describeSignedVerdict } from '../../core/checkpoint-verdict.js';
import { COST_DIMENSIONS, type CostDimension } from '../../core/cost-report.js';
import { SymbiontError } from '../../core/errors.js';
import { EXIT_FAILED, EXIT_OK } from '../exit.js';
import { renderCostTable } from '../render/cost-table.js';

export interface LedgerCommandIo {
  /** Where results go. Default: process.stdout. */
  out?: (text: string) => void;
  /** Environment for the default ledger path and key. Default: process.env. */
  env?: NodeJS.ProcessEnv;
}

interface LedgerFlags {
  file?: string;
  json?: boolean;
}

interface VerifyFlags extends LedgerFlags {
  database?: string;
  key?: string;
  allowUnsignedTail?: boolean;
}

/** What verify concluded: `verified` (exit 0) or why not. */
type VerifyStatus = 'verified' | 'unsigned-tail' | 'broken' | 'differs' | 'bad-checkpoint' | 'unverifiable';

function statusOf(verdict: LedgerFileVerdict): VerifyStatus {
  if (!verdict.ok) return 'broken';
  return verdict.signed?.status ?? 'unverifiable';
}

/** `unit`: a file's lines are numbered, a database's entries (entry N is seq N). */
function verdictLines(verdict: LedgerFileVerdict, unit: 'line' | 'entry'): string[] {
  if (!verdict.ok) return [`ledger broken at ${unit} ${verdict.line}: ${verdict.detail}`];
  if (verdict.signed === undefined) {
    return [
      `ledger unverifiable: the chain is intact (${verdict.entries} entries, last hash ${verdict.lastHash}) ` +
        'but no public key was given (--key PUB, or SYMBIONT_LEDGER_KEY): a history rewritten with fresh hashes would look the same',
    ];
  }
  return [describeSignedVerdict(verdict.signed)];
}

/** ~/.config/symbiont (or $XDG_CONFIG_HOME/symbiont): outside the data directory by default. */
function defaultKeyDir(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'symbiont');
}

async function withDatabaseLedger<T>(url: string, work: (ledger: PostgresLedger) => Promise<T>): Promise<T> {
  const ledger = await PostgresLedger.open(url);
  try {
    return await work(ledger);
  } finally {
    await ledger.close();
  }
}

export function ledgerCommand(io: LedgerCommandIo = {}): Command {
  const out = io.out ?? ((text: string) => process.stdout.write(text));
  const env = () => io.env ?? process.env;
  const pathOf = (flags: LedgerFlags) => flags.file ?? homePaths.ledger(resolveHome(env()));
  const command = new Command('ledger').description('check and summarise the ledger of model calls');

  command
    .command('verify')
    .description('check the hash chain and the signed checkpoints; exit 0 only for a verified ledger')
    .option('--file <path>', 'ledger file (default: ledger.jsonl in the symbiont home)')
    .option('--key <path>', 'public key that signed the checkpoints (default: SYMBIONT_LEDGER_KEY)')
    .option('--allow-unsigned-tail', 'exit 0 when only entries after the last checkpoint are unsigned')
    .option(
      '--database <url>',
      'verify the ledger in this PostgreSQL database (default: SYMBIONT_DATABASE_URL)',
    )
    .option('--json', 'print the verdict as JSON')
    .action(async (flags: VerifyFlags) => {
      const databaseUrl =
        flags.file === undefined ? (flags.database ?? (env().SYMBIONT_DATABASE_URL || undefined)) : undefined;
      const keyPath = flags.key ?? (env().SYMBIONT_LEDGER_KEY || undefined);
      const publicKey = keyPath === undefined ? undefined : loadVerifyingKey(keyPath);
      const options = publicKey ? { publicKey } : {};
      const verdict =
        databaseUrl === undefined
          ? await verifyLedgerFile(pathOf(flags), options)
          : await withDatabaseLedger(databaseUrl, (ledger) => ledger.verify(options));
      const status = statusOf(verdict);
      const ok = status === 'verified' || (status === 'unsigned-tail' && flags.allowUnsignedTail === true);
      process.exitCode = ok ? EXIT_OK : EXIT_FAILED;
      if (flags.json) {
        out(`${JSON.stringify({ ...verdict, chain_ok: verdict.ok, ok, status }, null, 2)}\n`);
        return;
      }
      const lines = verdictLines(verdict, databaseUrl === undefined ? 'line' : 'entry');
      lines.push(...verdict.warnings.map((warning) => `warning: ${warning}`));
      out(`${lines.join('\n')}\n`);
    });

  command
    .command('export')
    .description('write the ledger stored in PostgreSQL as a JSONL ledger file (SPEC §6)')
    .option('--database <url>', 'PostgreSQL database (default: SYMBIONT_DATABASE_URL)')
    .requiredOption('--out <path>', 'the file to write (must not exist)')
    .action(async (flags: { database?: string; out: string }) => {
      const databaseUrl = flags.database ?? (env().SYMBIONT_DATABASE_URL || undefined);
      if (databaseUrl === undefined) {
        throw new SymbiontError(
          'INVALID_ARGUMENT',
          'ledger export needs --database postgres://… (or SYMBIONT_DATABASE_URL)',
        );
      }
      const { count, signed } = await withDatabaseLedger(databaseUrl, async (ledger) => {
        const checkpoints = await ledger.exportCheckpointsTo(flags.out);
        return { signed: checkpoints, count: await ledger.exportTo(flags.out) };
      });
      const check = `symbiont ledger verify --file ${flags.out}${signed > 0 ? ' --key PUB' : ''}`;
      const beside = signed > 0 ? ` and ${signed} signed checkpoint(s) to ${checkpointsPath(flags.out)}` : '';
      out(`wrote ${count} entries to ${flags.out}${beside} (check it with: ${check})\n`);
    });

  command
    .command('keygen')
    .description('make the Ed25519 key pair that signs ledger checkpoints (kept outside the data directory)')
    .option(
      '--out <dir>',
      'where to write ledger-key.pem and ledger-key.pub.pem (default: ~/.config/symbiont)',
    )
    .action((flags: { out?: string }) => {
      const dir = resolve(flags.out ?? defaultKeyDir(env()));
      const home = resolveHome(env());
      if (isInside(dir, home)) {
        throw new SymbiontError(
          'INVALID_ARGUMENT',
          `--out ${dir} is inside the data directory ${home}: keep the key elsewhere, or whoever can rewrite the ledger can sign the rewrite`,
        );
      }
      const made = generateLedgerKeys(dir);
      out(
        `private key ${made.privatePath} (0600: keep it secret)\n` +
          `public key  ${made.publicPath} (key id ${made.keyId})\n` +
          `sign with:   export SYMBIONT_LEDGER_KEY=${made.privatePath}   (or --ledger-key on run, serve, resume)\n` +
          `verify with: symbiont ledger verify --key ${made.publicPath}\n`,
      );
    });

  command
    .command('report')
    .description('cost by model, by day (UTC) and by task')
    .option('--file <path>', 'ledger file (default: ledger.jsonl in the symbiont home)')
    .addOption(new Option('--by <dimension>', 'one table only').choices([...COST_DIMENSIONS]))
    .option('--json', 'print the report as JSON')
    .action(async (flags: LedgerFlags & { by?: CostDimension }) => {
      const summary = await reportLedgerFileAll(pathOf(flags));
      if (flags.json) {
        const { reports, ...rest } = summary;
        out(`${JSON.stringify(flags.by ? { ...reports[flags.by], ...rest } : summary, null, 2)}\n`);
        return;
      }
      const tables = (flags.by ? [flags.by] : COST_DIMENSIONS).map((by) =>
        renderCostTable(summary.reports[by]),
      );
      const notes: string[] = [];
      if (!summary.chain.ok) notes.push(`warning: the ledger's chain is broken at ${summary.chain.reason}`);
      if (summary.skipped_lines > 0)
        notes.push(`warning: ${summary.skipped_lines} unreadable lines left out`);
      out(`${[...tables, ...notes].join('\n\n')}\n`);
    });

  return command;
}
