// History commands against the store: `tasks`, `show ID`, `cancel ID`, `resume`, `prune`.
// An ID may be any unique prefix of a task's id (task-id.ts).

import { Command } from 'commander';
import { withApp } from '../../app/compose.js';
import { SymbiontError } from '../../core/errors.js';
import { addCommonOptions, appConfigFrom, type CommonFlags } from '../cli-options.js';
import { EXIT_FAILED, EXIT_OK, messageFor } from '../exit.js';
import { formatCost, oneLine } from '../render/format.js';
import { renderTaskReport } from '../render/task-report.js';
import { resolveTaskId } from '../task-id.js';

type JsonFlags = CommonFlags & { json?: boolean };

export function tasksCommand(): Command {
  return addCommonOptions(new Command('tasks'))
    .description('list recent tasks, newest first')
    .option('--limit <n>', 'how many (default 20)', '20')
    .option('--json', 'print the SPEC summaries as a JSON array')
    .action(async (flags: JsonFlags & { limit: string }) => {
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1) {
        throw new SymbiontError(
          'INVALID_ARGUMENT',
          `--limit expects a whole number above 0, got '${flags.limit}'`,
        );
      }
      await withApp({ ...appConfigFrom(flags), readOnly: true }, async (app) => {
        const tasks = await app.service.listRecentTasks(limit);
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(tasks, null, 2)}\n`);
          return;
        }
        if (tasks.length === 0) process.stdout.write('no tasks yet\n');
        for (const task of tasks) {
          process.stdout.write(
            `${task.id}  ${task.status.padEnd(9)} ${String(task.completed_count).padStart(3)}/${String(task.subtask_count).padEnd(3)} ${formatCost(task.total_cost).padStart(9)}  ${task.created_at}  ${oneLine(task.prompt, 60)}\n`,
          );
        }
      });
    });
}

export function showCommand(): Command {
  return addCommonOptions(new Command('show'))
    .description('show a task: its subtask tree and results')
    .argument('<id>', 'task id, or a unique prefix of it (with or without compound-)')
    .option('--json', 'print the full task record')
    .action(async (id: string, flags: JsonFlags) => {
      await withApp({ ...appConfigFrom(flags), readOnly: true }, async (app) => {
        const task = await app.service.getTaskProgress(await resolveTaskId(app.store, id));
        if (!task) throw new SymbiontError('NOT_FOUND', `no task ${id}`);
        process.stdout.write(
          flags.json ? `${JSON.stringify(task, null, 2)}\n` : `${renderTaskReport(task)}\n`,
        );
      });
    });
}

export function cancelCommand(): Command {
  return addCommonOptions(new Command('cancel'))
    .description('cancel a task that has not finished')
    .argument('<id>', 'task id, or a unique prefix of it (with or without compound-)')
    .action(async (id: string, flags: CommonFlags) => {
      await withApp(appConfigFrom(flags), async (app) => {
        const task = await app.service.cancelTask(await resolveTaskId(app.store, id));
        if (!task) throw new SymbiontError('NOT_FOUND', `no task ${id}`);
        process.stdout.write(`${task.id}: ${task.status}\n`);
      });
    });
}

export function resumeCommand(): Command {
  return addCommonOptions(new Command('resume'))
    .description('resume every interrupted task in the home and wait for them to finish')
    .option('--json', 'print the final records as a JSON array')
    .action(async (flags: JsonFlags) => {
      await withApp(appConfigFrom(flags), async (app) => {
        const result = await app.resumeAll({
          onResumed: (taskId) => {
            if (!flags.json) process.stdout.write(`resuming ${taskId}\n`);
          },
        });
        if (flags.json) process.stdout.write(`${JSON.stringify(result.tasks, null, 2)}\n`);
        else if (result.tasks.length === 0 && result.failures.length === 0)
          process.stdout.write('nothing to resume\n');
        else {
          for (const task of result.tasks) {
            const elsewhere = result.resumedHere.includes(task.id) ? '' : ' (run by another process)';
            process.stdout.write(`${task.id}: ${task.status} ${formatCost(task.total_cost)}${elsewhere}\n`);
            if (task.status === 'awaiting_approval')
              process.stdout.write(
                `  its plan waits for review: symbiont show ${task.id}, then symbiont approve ${task.id}\n`,
              );
          }
        }
        for (const failure of result.failures) {
          process.stderr.write(`${messageFor(failure.error)} (task ${failure.taskId})\n`);
        }
        // A task under review that was planned again now waits for its approval: not a failure.
        const allWell = result.tasks.every(
          (task) => task.status === 'completed' || task.status === 'awaiting_approval',
        );
        process.exitCode = result.failures.length === 0 && allWell ? EXIT_OK : EXIT_FAILED;
      });
    });
}

const DURATION = /^(\d+)\s*(d|h|m|s)$/;
const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };

export function parseAge(text: string): number {
  const match = DURATION.exec(text.trim());
  if (!match)
    throw new SymbiontError(
      'INVALID_ARGUMENT',
      `--older-than expects an age like 30d, 12h or 45m, got '${text}'`,
    );
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

export function pruneCommand(): Command {
  return addCommonOptions(new Command('prune'))
    .description('delete finished tasks older than an age (the ledger is never touched)')
    .requiredOption('--older-than <age>', 'e.g. 30d, 12h')
    .action(async (flags: CommonFlags & { olderThan: string }) => {
      const age = parseAge(flags.olderThan);
      await withApp(appConfigFrom(flags), async (app) => {
        const removed = await app.store.pruneFinishedBefore(new Date(Date.now() - age).toISOString());
        process.stdout.write(`pruned ${removed} task(s) finished more than ${flags.olderThan} ago\n`);
      });
    });
}
