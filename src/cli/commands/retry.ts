// `symbiont retry ID [--subtask N...]`: runs a finished task again (SPEC §12): its failed,
// skipped and cancelled subtasks, or the named ones with their dependents, as new attempts of
// the same task; completed results are kept. Shows the live view and ends with the new answer,
// as `run` does, with `run`'s exit status and Ctrl-C / SIGTERM handling.

import { Command } from 'commander';
import { openApp } from '../../app/compose.js';
import { SymbiontError } from '../../core/errors.js';
import {
  addCommonOptions,
  addReportOptions,
  appConfigFrom,
  type CommonFlags,
  type ReportFlags,
} from '../cli-options.js';
import { followTask } from '../follow-task.js';
import { cancelWindowFrom, Interrupts } from '../interrupts.js';
import { resolveTaskId } from '../task-id.js';
import { checkOutputPath } from '../task-report-output.js';

type RetryFlags = CommonFlags & ReportFlags & { subtask?: string[] };

export function retryCommand(): Command {
  const command = new Command('retry')
    .description(
      'run the failed, skipped and cancelled subtasks of a finished task again (completed results are kept)',
    )
    .argument('<id>', 'task id, or a unique prefix of it (with or without compound-)')
    .option(
      '--subtask <n...>',
      're-run these subtasks (even if they completed) and everything that depends on them',
    )
    .option('--json', 'print the final task record as JSON on stdout, nothing else');
  return addReportOptions(addCommonOptions(command)).action(async (id: string, flags: RetryFlags) => {
    process.exitCode = await retryTask(id, flags);
  });
}

export function subtaskIndexes(values: readonly string[] | undefined): number[] {
  const indexes: number[] = [];
  for (const value of values ?? []) {
    for (const part of value.split(',')) {
      const text = part.trim();
      if (!/^[0-9]{1,9}$/.test(text)) {
        throw new SymbiontError(
          'INVALID_ARGUMENT',
          `--subtask expects subtask indexes (0, 1, ...), got '${part}'`,
        );
      }
      indexes.push(Number(text));
    }
  }
  return indexes;
}

async function retryTask(id: string, flags: RetryFlags): Promise<number> {
  const indexes = subtaskIndexes(flags.subtask);
  checkOutputPath(flags.output);
  const cancelWindowMs = cancelWindowFrom(process.env);
  const app = await openApp(appConfigFrom(flags));
  const interrupts = new Interrupts().listen();
  try {
    if (app.providerNotice) process.stderr.write(`${app.providerNotice}\n`);
    const taskId = await resolveTaskId(app.store, id);
    const receipt = await app.service.retryTask(taskId, indexes);
    return await followTask(app, taskId, {
      json: flags.json === true,
      report: flags,
      interrupts,
      cancelWindowMs,
      header: `retrying task ${taskId} (${app.providerName}): subtasks ${receipt.retried.join(', ') || 'none (planning again)'}`,
      quietThrough: receipt.seq,
    });
  } finally {
    try {
      await app.close();
    } finally {
      interrupts.dispose();
    }
  }
}
