// The finished task as text. `run` (and `watch`, `retry`) end with a short status, the total
// cost and then the answer, set apart under a rule; each subtask's status, model, cost and result
// come first only when asked for (`--steps`). `show` always has the steps, then the answer.

import type { Task } from '../../core/records.js';
import { formatRange } from './estimate.js';
import { formatCost } from './format.js';

export interface TaskReportOptions {
  /** Each step's status, model, cost and result. Default true (`show`). */
  steps?: boolean;
}

/** The rule above the answer: the answer is what the reader looks for. */
export const ANSWER_RULE = `${'═'.repeat(24)} Answer ${'═'.repeat(24)}`;

export function renderTaskReport(task: Task, options: TaskReportOptions = {}): string {
  const steps = options.steps ?? true;
  const lines = [`Task ${task.id}: ${task.status}`, `Prompt: ${task.prompt}`];
  if (steps) {
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
  } else {
    lines.push(`Steps: ${stepCounts(task)} (each step's result: --steps, or \`symbiont show ${task.id}\`)`);
  }
  if (task.error) lines.push(`Error: ${task.error}`);
  lines.push(`Total cost: ${formatCost(task.total_cost)} (planning and synthesis included)`);
  if (task.estimate) {
    // Beside the estimate of the run (planning is not in it): what the subtasks cost.
    let subtasks = 0;
    for (const subtask of task.subtasks) subtasks += subtask.cost ?? 0;
    lines.push(
      `Estimate: ${formatRange(task.estimate)} for the run (one attempt per call); actual: ${formatCost(subtasks)} for the subtasks, ${formatCost(task.total_cost)} in all`,
    );
  }
  lines.push('', ANSWER_RULE, '');
  lines.push(task.answer ?? `(no answer: ${noAnswerReason(task)})`);
  return lines.join('\n');
}

function stepCounts(task: Task): string {
  const counts = new Map<string, number>();
  for (const subtask of task.subtasks) counts.set(subtask.status, (counts.get(subtask.status) ?? 0) + 1);
  if (counts.size === 0) return 'none';
  return [...counts].map(([status, count]) => `${count} ${status}`).join(', ');
}

function noAnswerReason(task: Task): string {
  if (task.status === 'cancelled') return 'the task was cancelled';
  if (task.status === 'failed') return 'no step completed';
  if (task.status === 'completed' || task.status === 'partial') return 'none was recorded';
  return `the task is ${task.status}`;
}
