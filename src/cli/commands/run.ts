// `symbiont run "PROMPT"` / `run --plan FILE`: plans, executes with a live view (a tree on a
// terminal, plain lines otherwise), then prints the total cost and the answer, last and set
// apart (each step's result with --steps; --output FILE writes the answer to a file). `--json`
// prints only the final task record on stdout. Exit 0 when the task completed, 1 when it did not.
// Ctrl-C stops the run and leaves the task resumable (exit 130); a second Ctrl-C cancels it
// (exit 130); SIGTERM stops it like the first Ctrl-C (exit 143). See follow-task.ts.
// `--review` (SPEC §11): plan, route and estimate, then ask yes / no / edit on a terminal
// (review-prompt.ts), approve at once with `--yes`, or leave the task awaiting approval.

import { Command } from 'commander';
import { openApp } from '../../app/compose.js';
import { SymbiontError } from '../../core/errors.js';
import type { PlanInput } from '../../core/plan-schema.js';
import {
  addReportOptions,
  addRunOptions,
  appConfigFrom,
  type ReportFlags,
  type RunFlags,
  settingsFrom,
} from '../cli-options.js';
import { followTask } from '../follow-task.js';
import { cancelWindowFrom, Interrupts } from '../interrupts.js';
import { readPlanFile } from '../plan-file.js';
import { reviewTask } from '../review-prompt.js';
import { checkOutputPath } from '../task-report-output.js';

type RunCommandFlags = RunFlags & ReportFlags & { review?: boolean; yes?: boolean };

export function runCommand(): Command {
  const command = new Command('run')
    .description('plan a prompt into subtasks and run them, showing live progress')
    .argument('[prompt]', 'what to do')
    .option('--plan <file>', 'run this plan (JSON) instead of asking the planner')
    .option('--review', 'plan and estimate the cost, then ask before running (yes / no / edit)')
    .option('--yes', 'with --review: approve without asking (for scripts)');
  return addReportOptions(addRunOptions(command)).action(
    async (prompt: string | undefined, flags: RunCommandFlags) => {
      process.exitCode = await runTask(prompt, flags);
    },
  );
}

async function runTask(prompt: string | undefined, flags: RunCommandFlags): Promise<number> {
  if (!prompt?.trim() && !flags.plan) {
    throw new SymbiontError('INVALID_ARGUMENT', 'run needs a PROMPT or --plan FILE');
  }
  if (flags.yes && !flags.review) throw new SymbiontError('INVALID_ARGUMENT', '--yes goes with --review');
  checkOutputPath(flags.output);
  const planFile = flags.plan ? readPlanFile(flags.plan) : undefined;
  const settings = settingsFrom(flags);
  const cancelWindowMs = cancelWindowFrom(process.env);
  const app = await openApp(appConfigFrom(flags));
  const interrupts = new Interrupts().listen();
  try {
    if (app.providerNotice) process.stderr.write(`${app.providerNotice}\n`);
    const receipt = await app.service.submitTask({
      ...(prompt?.trim() ? { prompt } : {}),
      ...(planFile ? { plan: planFile.raw as PlanInput } : {}),
      settings,
      ...(flags.review ? { review: true, waitFor: 'planned' as const } : { waitFor: 'created' as const }),
    });
    if (flags.review) {
      const decision = await reviewTask(app, receipt.id, {
        yes: flags.yes === true,
        json: flags.json === true,
        interrupts,
      });
      if (decision !== undefined) return decision;
    }
    return await followTask(app, receipt.id, {
      json: flags.json === true,
      report: flags,
      interrupts,
      cancelWindowMs,
    });
  } finally {
    try {
      await app.close();
    } finally {
      interrupts.dispose();
    }
  }
}
