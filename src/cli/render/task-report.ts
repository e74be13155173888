// The finished task as text: each subtask's status, model, cost and result, then the totals.
// Used by `run` at the end and by `show`.

import type { Task } from '../../core/records.js';
import { formatRange } from './estimate.js';
import { formatCost } from './format.js';

export function renderTaskReport(task: Task): string {
  const lines = [`Task ${task.id}: ${task.status}`, `Prompt: ${task.prompt}`];
  if (task.reasoning) lines.push(`Plan: ${task.reasoning}`);
  for (const warning of task.warnings) lines.push(`Plan warning: ${warning}`);
  for (const subtask of task.subtasks) {
    const after = subtask.depends_on.length ? ` after ${subtask.depends_on.join(', ')}` : '';
    lines.push(
      '',
      `── [${subtask.index}] ${subtask.status} · ${subtask.model ?? '-'} · tier ${subtask.tier_assigned ?? subtask.tier_hint} · ${formatCost(subtask.cost)}${subtask.estimate ? ` (estimate ${formatRange(subtask.estimate)})` : ''} · ${subtask.attempts} attempt(s)${after}`,
      `   ${subtask.description}`,
    );
    if (subtask.result) lines.push(...subtask.result.split('\n').map((line) => `   │ ${line}`));
    if (subtask.error && subtask.status !== 'completed') lines.push(`   ! ${subtask.error}`);
  }
  lines.push('');
  if (task.error) lines.push(`Error: ${task.error}`);
  lines.push(`Total cost: ${formatCost(task.total_cost)} (planning included)`);
  if (task.estimate) {
    // Beside the estimate of the run (planning is not in it): what the subtasks cost.
    let subtasks = 0;
    for (const subtask of task.subtasks) subtasks += subtask.cost ?? 0;
    lines.push(
      `Estimate: ${formatRange(task.estimate)} for the run (one attempt per call); actual: ${formatCost(subtasks)} for the subtasks, ${formatCost(task.total_cost)} in all`,
    );
  }
  return lines.join('\n');
}
