// `symbiont run "PROMPT"` / `run --plan FILE`: plans, executes with a live view (a tree on a
// terminal, plain lines otherwise), then prints the total cost and the answer, last and set
// apart (each step's result with --steps; --output FILE writes the answer to a file). `--json`
// prints only the final task record on stdout. Exit 0 when the task completed, 1 when it did not.
// Ctrl-C stops the run and leaves the task resumable (exit 130); a second Ctrl-C cancels it
// (exit 130); SIGTERM stops it like the first Ctrl-C (exit 143). See interrupts.ts.

import { Command } from 'commander';
import { type App, openApp } from '../../app/compose.js';
import { SymbiontError } from '../../core/errors.js';
import type { PlanInput } from '../../core/plan-schema.js';
import { isFinalTaskStatus } from '../../core/records.js';
import {
  addReportOptions,
  addRunOptions,
  appConfigFrom,
  type ReportFlags,
  type RunFlags,
  settingsFrom,
} from '../cli-options.js';
import { EXIT_INTERRUPTED, EXIT_TERMINATED } from '../exit.js';
import { cancelWindowFrom, Interrupts } from '../interrupts.js';
import { readPlanFile } from '../plan-file.js';
import { checkOutputPath, endWithAnswer } from '../task-report-output.js';
import { showTaskEvents } from '../task-view.js';

export function runCommand(): Command {
  const command = new Command('run')
    .description('plan a prompt into subtasks and run them, showing live progress')
    .argument('[prompt]', 'what to do')
    .option('--plan <file>', 'run this plan (JSON) instead of asking the planner');
  return addReportOptions(addRunOptions(command)).action(
    async (prompt: string | undefined, flags: RunFlags & ReportFlags) => {
      process.exitCode = await runTask(prompt, flags);
    },
  );
}

async function runTask(prompt: string | undefined, flags: RunFlags & ReportFlags): Promise<number> {
  if (!prompt?.trim() && !flags.plan) {
    throw new SymbiontError('INVALID_ARGUMENT', 'run needs a PROMPT or --plan FILE');
  }
  checkOutputPath(flags.output);
  const planFile = flags.plan ? readPlanFile(flags.plan) : undefined;
  const settings = settingsFrom(flags);
  const cancelWindowMs = cancelWindowFrom(process.env);
  const app = await openApp(appConfigFrom(flags));
  const stdout = process.stdout;
  const interrupts = new Interrupts().listen();
  try {
    if (app.providerNotice) process.stderr.write(`${app.providerNotice}\n`);
    const receipt = await app.service.submitTask({
      ...(prompt?.trim() ? { prompt } : {}),
      ...(planFile ? { plan: planFile.raw as PlanInput } : {}),
      settings,
      waitFor: 'created',
    });
    // Taken now, while the task runs here: it rejects with a store or ledger failure that
    // ended the run, which is then reported as the command's error.
    const finished = app.service.waitForTask(receipt.id);
    finished.catch(() => undefined);
    await showTaskEvents(app.service.events(receipt.id, { signal: interrupts.signal }), {
      stdout,
      quiet: flags.json === true,
      header: () => `task ${receipt.id} (${app.providerName})`,
    });
    const stoppedBy = interrupts.stoppedBy;
    if (stoppedBy !== undefined) {
      const current = await app.service.getTaskProgress(receipt.id);
      if (!current || !isFinalTaskStatus(current.status)) {
        return await stopRun(app, receipt.id, interrupts, stoppedBy === 'SIGINT' ? cancelWindowMs : 0);
      }
    }
    return endWithAnswer(await finished, flags, stdout);
  } finally {
    try {
      await app.close();
    } finally {
      interrupts.dispose();
    }
  }
}

/**
 * Stops the run on a signal: detaches the task (running calls stopped, no end recorded, the
 * lease released: `symbiont resume` continues it), then cancels it if a second Ctrl-C came
 * while stopping or comes within `cancelWindowMs`.
 */
export async function stopRun(app: App, taskId: string, interrupts: Interrupts, cancelWindowMs: number) {
  // On a terminal, a line of its own after the `^C` the terminal echoed.
  const say = (line: string) =>
    process.stderr.write(`${process.stderr.isTTY ? '\n' : ''}symbiont: ${line}\n`);
  const byCtrlC = interrupts.stoppedBy === 'SIGINT';
  say(
    `${byCtrlC ? 'interrupted' : 'terminated'}: task ${taskId} stopped and left resumable; \`symbiont resume\` continues it` +
      (byCtrlC ? ' (Ctrl-C again now cancels it)' : ''),
  );
  // The app's task manager runs only this task: closing it detaches exactly this one.
  await app.service.close();
  if (await interrupts.cancelWithin(cancelWindowMs)) {
    const task = await app.service.cancelTask(taskId);
    say(
      `task ${taskId} ${task?.status === 'cancelled' ? 'cancelled' : `not cancelled: it is ${task?.status}`}`,
    );
  }
  return byCtrlC ? EXIT_INTERRUPTED : EXIT_TERMINATED;
}
