// `symbiont ledger verify` (is the hash chain sound? exit 0, or 1 naming the first bad line)
// and `symbiont ledger report` (cost by model, by day and by task). Both read the file only.

import { Command, Option } from 'commander';
import { reportLedgerFileAll, verifyLedgerFile } from '../../app/ledger-files.js';
import { homePaths, resolveHome } from '../../config/home.js';
import { COST_DIMENSIONS, type CostDimension } from '../../core/cost-report.js';
import { EXIT_FAILED, EXIT_OK } from '../exit.js';
import { renderCostTable } from '../render/cost-table.js';

export interface LedgerCommandIo {
  /** Where results go. Default: process.stdout. */
  out?: (text: string) => void;
  /** Environment for the default ledger path. Default: process.env. */
  env?: NodeJS.ProcessEnv;
}

interface LedgerFlags {
  file?: string;
  json?: boolean;
}

export function ledgerCommand(io: LedgerCommandIo = {}): Command {
  const out = io.out ?? ((text: string) => process.stdout.write(text));
  const pathOf = (flags: LedgerFlags) => flags.file ?? homePaths.ledger(resolveHome(io.env ?? process.env));
  const command = new Command('ledger').description('check and summarise the ledger of model calls');

  command
    .command('verify')
    .description('check the hash chain; exit 1 naming the first line that breaks it')
    .option('--file <path>', 'ledger file (default: ledger.jsonl in the symbiont home)')
    .option('--json', 'print the verdict as JSON')
    .action(async (flags: LedgerFlags) => {
      const verdict = await verifyLedgerFile(pathOf(flags));
      process.exitCode = verdict.ok ? EXIT_OK : EXIT_FAILED;
      if (flags.json) {
        out(`${JSON.stringify(verdict, null, 2)}\n`);
        return;
      }
      const lines = verdict.ok
        ? [`ledger ok: ${verdict.entries} entries, last hash ${verdict.lastHash}`]
        : [`ledger broken at line ${verdict.line}: ${verdict.detail}`];
      lines.push(...verdict.warnings.map((warning) => `warning: ${warning}`));
      out(`${lines.join('\n')}\n`);
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
