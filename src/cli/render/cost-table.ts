// Renders a cost report (`symbiont ledger report`) as an aligned plain-text table: one row
// per model, day or task, and a total row.

import type { CostDimension, CostReport, CostTotals } from '../../core/cost-report.js';

const TITLES: Record<CostDimension, string> = { model: 'model', day: 'day (UTC)', task: 'task' };

export function renderCostTable(report: CostReport): string {
  const header = [TITLES[report.by], 'calls', 'failed', 'input tokens', 'output tokens', 'cost (USD)'];
  const rows = report.rows.map((row) => cells(row.key, row));
  const total = cells('total', report.total);
  const all = [header, ...rows, total];
  const widths = header.map((_, column) => Math.max(...all.map((row) => row[column]!.length)));
  const render = (row: string[]) =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  const lines = [`Cost by ${report.by}`, render(header), rule];
  if (rows.length === 0) lines.push('(no calls recorded)');
  lines.push(...rows.map(render), rule, render(total));
  return lines.join('\n');
}

function cells(key: string, totals: CostTotals): string[] {
  return [
    key,
    count(totals.calls),
    count(totals.failed_calls),
    count(totals.input_tokens),
    count(totals.output_tokens),
    totals.cost_usd.toFixed(6),
  ];
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}
