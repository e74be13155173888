// The review estimate as text (SPEC §11): one line per subtask with its tier, model and low to
// high cost, the synthesis line when there is one, and the total. `run --review`, `plan` and
// `approve` print it; `show` puts the actual cost beside it (task-report.ts).

import type { PlanEstimate } from '../../core/plan-estimate.js';
import type { CostEstimate, Tier } from '../../core/records.js';
import { formatCost, oneLine } from './format.js';

export interface EstimatedLine {
  index: number;
  description: string;
  depends_on: readonly number[];
  tier: Tier;
  model: string | null;
}

/** `$0.0012 – $0.0450` */
export function formatRange(estimate: CostEstimate): string {
  return `${formatCost(estimate.low_usd)} – ${formatCost(estimate.high_usd)}`;
}

export function renderEstimate(subtasks: readonly EstimatedLine[], estimate: PlanEstimate): string {
  const lines = ['Estimate (one attempt of each call; high = what the budget reserves):'];
  for (const subtask of subtasks) {
    const figure = estimate.subtasks[subtask.index];
    const after = subtask.depends_on.length ? ` (after ${subtask.depends_on.join(', ')})` : '';
    lines.push(
      `  ${String(subtask.index).padStart(2)}. [tier ${subtask.tier} · ${subtask.model ?? '-'}] ${figure ? formatRange(figure) : '-'}  ${oneLine(subtask.description, 60)}${after}`,
    );
  }
  if (estimate.synthesis)
    lines.push(`   +  [synthesis, several final steps] ${formatRange(estimate.synthesis)}`);
  lines.push(`  Total: ${formatRange(estimate)} (planning, already spent, not included)`);
  return lines.join('\n');
}
