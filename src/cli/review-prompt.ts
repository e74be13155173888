// `run --review` after planning (SPEC §11): shows the plan and its estimate, then
// - with --yes approves it at once;
// - on a terminal asks yes / no / edit: edit opens $VISUAL or $EDITOR on the plan's JSON,
//   validates what was saved as a plan file is validated (a bad edit is named and can be edited
//   again), shows the new plan's estimate and asks again; no cancels the task;
// - otherwise leaves it awaiting approval and says how to approve or cancel it.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { App } from '../app/compose.js';
import { SymbiontError } from '../core/errors.js';
import type { PlanEstimate } from '../core/plan-estimate.js';
import type { PlanInput } from '../core/plan-schema.js';
import type { Subtask, Task } from '../core/records.js';
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, messageFor } from './exit.js';
import type { Interrupts } from './interrupts.js';
import { type EstimatedLine, formatRange, renderEstimate } from './render/estimate.js';
import { formatCost } from './render/format.js';
import { renderTaskReport } from './render/task-report.js';

export interface ReviewOptions {
  yes: boolean;
  json: boolean;
  interrupts: Interrupts;
}

/** The plan-file shape of a task's plan: what the editor shows and `approve --plan` takes. */
export function planDocumentOf(task: Pick<Task, 'reasoning' | 'subtasks'>) {
  return {
    reasoning: task.reasoning,
    subtasks: task.subtasks.map(({ index, description, tier_hint, depends_on }) => ({
      index,
      description,
      tier_hint,
      depends_on,
    })),
  };
}

export function estimatedLines(subtasks: readonly Subtask[]): EstimatedLine[] {
  return subtasks.map((subtask) => ({
    index: subtask.index,
    description: subtask.description,
    depends_on: subtask.depends_on,
    tier: subtask.tier_assigned ?? subtask.tier_hint,
    model: subtask.model,
  }));
}

/** The plan under review with its estimate, as text. */
export function renderReview(task: Task): string {
  const lines = [`Task ${task.id}: awaiting approval`, `Prompt: ${task.prompt}`];
  if (task.reasoning) lines.push(`Plan: ${task.reasoning}`);
  for (const warning of task.warnings) lines.push(`Plan warning: ${warning}`);
  lines.push(renderEstimate(estimatedLines(task.subtasks), estimateOfRecord(task)));
  const budget = task.settings.budget_usd;
  if (budget !== null && task.estimate && task.estimate.high_usd > budget - task.total_cost) {
    lines.push(
      `  Budget: ${formatCost(budget)} (${formatCost(task.total_cost)} spent on planning): below the high figure, so the run may stop before every step ran`,
    );
  }
  return lines.join('\n');
}

/** The plan estimate a record carries (its synthesis line is the total beyond the subtasks). */
export function estimateOfRecord(task: Task): PlanEstimate {
  const none = { low_usd: 0, high_usd: 0 };
  return {
    ...(task.estimate ?? none),
    subtasks: task.subtasks.map((subtask) => subtask.estimate ?? none),
    synthesis: synthesisOf(task),
  };
}

/** The synthesis line is what the total has beyond the subtasks' sum. */
function synthesisOf(task: Task) {
  if (!task.estimate) return null;
  let low = 0;
  let high = 0;
  for (const subtask of task.subtasks) {
    low += subtask.estimate?.low_usd ?? 0;
    high += subtask.estimate?.high_usd ?? 0;
  }
  const rest = { low_usd: task.estimate.low_usd - low, high_usd: task.estimate.high_usd - high };
  return rest.high_usd > 1e-12 ? rest : null;
}

export function howToApprove(task: Task): string {
  const range = task.estimate ? ` (estimate ${formatRange(task.estimate)})` : '';
  return (
    `symbiont: task ${task.id} is awaiting approval${range}. ` +
    `\`symbiont approve ${task.id}\` runs it, \`symbiont approve ${task.id} --plan FILE\` runs an edited plan, ` +
    `\`symbiont cancel ${task.id}\` rejects it.`
  );
}

/**
 * Undefined when the task was approved (the caller follows it); else the exit status: 1 when
 * planning failed or the task was rejected, 0 when it was left awaiting approval, 130 on Ctrl-C.
 */
export async function reviewTask(
  app: App,
  taskId: string,
  options: ReviewOptions,
): Promise<number | undefined> {
  const task = await app.service.getTaskProgress(taskId);
  if (!task) throw new SymbiontError('NOT_FOUND', `no task ${taskId}`);
  if (task.status !== 'awaiting_approval') {
    // Planning failed (or the task was cancelled meanwhile).
    process.stdout.write(options.json ? `${JSON.stringify(task, null, 2)}\n` : `${renderTaskReport(task)}\n`);
    return EXIT_FAILED;
  }
  const say = (text: string) => (options.json ? process.stderr : process.stdout).write(`${text}\n`);
  say(renderReview(task));
  if (options.yes) {
    await app.service.approveTask(taskId);
    return undefined;
  }
  if (process.stdin.isTTY !== true) {
    if (options.json) process.stdout.write(`${JSON.stringify(task, null, 2)}\n`);
    process.stderr.write(`${howToApprove(task)}\n`);
    return EXIT_OK;
  }
  return askUntilDecided(app, task, say, options.interrupts);
}

async function askUntilDecided(
  app: App,
  task: Task,
  say: (text: string) => void,
  interrupts: Interrupts,
): Promise<number | undefined> {
  let edited: PlanInput | undefined;
  let editText = `${JSON.stringify(planDocumentOf(task), null, 2)}\n`;
  for (;;) {
    const answer = await ask('Run this plan? [y]es / [n]o / [e]dit: ', interrupts.signal);
    if (answer === undefined) {
      process.stderr.write(`\n${howToApprove(task)}\n`);
      return EXIT_INTERRUPTED;
    }
    const choice = answer.trim().toLowerCase();
    if (choice === 'y' || choice === 'yes') {
      await app.service.approveTask(task.id, edited === undefined ? {} : { plan: edited });
      return undefined;
    }
    if (choice === 'n' || choice === 'no') {
      const cancelled = await app.service.cancelTask(task.id);
      say(`task ${task.id} ${cancelled?.status ?? 'cancelled'}: not run`);
      return EXIT_FAILED;
    }
    if (choice !== 'e' && choice !== 'edit') {
      say('answer y (run it), n (cancel it) or e (edit the plan)');
      continue;
    }
    editText = editInEditor(editText, task.id);
    let raw: unknown;
    try {
      raw = JSON.parse(editText);
    } catch (error) {
      say(`symbiont: the edited plan is not valid JSON: ${(error as Error).message}`);
      continue;
    }
    try {
      const preview = await app.service.previewEdit(task.id, raw as PlanInput);
      edited = raw as PlanInput;
      say(`Edited plan: ${preview.subtasks.length} subtasks`);
      say(renderEstimate(estimatedLines(preview.subtasks), preview.estimate));
    } catch (error) {
      if (!(error instanceof SymbiontError)) throw error;
      say(`${messageFor(error)} (edit again, or answer n)`);
    }
  }
}

/** One line from the terminal; undefined on Ctrl-C or a signal. */
function ask(question: string, signal: AbortSignal): Promise<string | undefined> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve(undefined);
      return;
    }
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    let done = false;
    const finish = (value: string | undefined) => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      rl.close();
      resolve(value);
    };
    const onAbort = () => finish(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    rl.on('SIGINT', () => finish(undefined));
    rl.on('close', () => finish(undefined));
    rl.question(question, (line) => finish(line));
  });
}

/** Writes `text` to a file, opens $VISUAL / $EDITOR (else vi) on it, returns what was saved. */
function editInEditor(text: string, taskId: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'symbiont-plan-'));
  const file = join(dir, `${taskId}.plan.json`);
  try {
    writeFileSync(file, text, { mode: 0o600 });
    const editor = process.env.VISUAL || process.env.EDITOR || 'vi';
    // Through the shell, as git runs its editor: EDITOR may carry arguments ("code --wait").
    const run = spawnSync('/bin/sh', ['-c', `${editor} "$1"`, 'editor', file], { stdio: 'inherit' });
    if (run.error || run.status !== 0) {
      throw new SymbiontError(
        'INVALID_ARGUMENT',
        `the editor (${editor}) failed: ${run.error?.message ?? `exit status ${run.status}`}`,
      );
    }
    return readFileSync(file, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
