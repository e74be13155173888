// `symbiont run "PROMPT"` / `run --plan FILE`: plans, executes with a live view (a tree on a
// terminal, plain lines otherwise), prints the results and total cost. `--json` prints only
// the final task record on stdout. Exit 0 when the task completed, 1 when it did not.

import { Command } from 'commander';
import { openApp } from '../../app/compose.js';
import { SymbiontError } from '../../core/errors.js';
import type { PlanInput } from '../../core/plan-schema.js';
import type { Task } from '../../core/records.js';
import { applyTaskEvent, cloneTask } from '../../core/task-reducer.js';
import { addRunOptions, appConfigFrom, type RunFlags, settingsFrom } from '../cli-options.js';
import { EXIT_FAILED, EXIT_OK } from '../exit.js';
import { readPlanFile } from '../plan-file.js';
import { LiveTree } from '../render/live-tree.js';
import { plainLine } from '../render/plain-progress.js';
import { renderTaskReport } from '../render/task-report.js';

export function runCommand(): Command {
  const command = new Command('run')
    .description('plan a prompt into subtasks and run them, showing live progress')
    .argument('[prompt]', 'what to do')
    .option('--plan <file>', 'run this plan (JSON) instead of asking the planner');
  return addRunOptions(command).action(async (prompt: string | undefined, flags: RunFlags) => {
    process.exitCode = await runTask(prompt, flags);
  });
}

async function runTask(prompt: string | undefined, flags: RunFlags): Promise<number> {
  if (!prompt?.trim() && !flags.plan) {
    throw new SymbiontError('INVALID_ARGUMENT', 'run needs a PROMPT or --plan FILE');
  }
  const planFile = flags.plan ? readPlanFile(flags.plan) : undefined;
  const settings = settingsFrom(flags);
  const app = await openApp(appConfigFrom(flags));
  const stdout = process.stdout;
  const live = !flags.json && stdout.isTTY === true;
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
    const onSignal = () => {
      void app.service.cancelTask(receipt.id);
    };
    process.once('SIGINT', onSignal);
    let view: Task | undefined;
    let tree: LiveTree | undefined;
    const startedAt = Date.now();
    try {
      for await (const event of app.service.events(receipt.id)) {
        if (event.type === 'task.created') {
          view = cloneTask(event.task);
          if (live) {
            tree = new LiveTree(stdout, () => view!);
            tree.start();
          } else if (!flags.json) {
            stdout.write(`task ${receipt.id} (${app.providerName})\n`);
          }
          continue;
        }
        if (!view) continue;
        applyTaskEvent(view, event);
        tree?.update();
        if (!live && !flags.json) {
          const line = plainLine(event, view, startedAt);
          if (line) stdout.write(`${line}\n`);
        }
      }
    } finally {
      tree?.stop();
      process.removeListener('SIGINT', onSignal);
    }
    const final = await finished;
    if (flags.json) stdout.write(`${JSON.stringify(final, null, 2)}\n`);
    else stdout.write(`\n${renderTaskReport(final)}\n`);
    return final.status === 'completed' ? EXIT_OK : EXIT_FAILED;
  } finally {
    await app.close();
  }
}
