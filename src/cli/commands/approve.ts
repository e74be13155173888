// `symbiont approve ID [--plan FILE]` (SPEC §11): starts a task waiting in `awaiting_approval`,
// as reviewed or with the edited plan in FILE (validated as `run --plan` validates a plan file),
// from any process: this one takes the task's lease, runs it with the live view, and ends as
// `run` does, with the answer last (--steps, --output as for run; exit 0 completed, 1 not,
// 130/143 stopped). A task not awaiting approval: exit 1.

import { Command } from 'commander';
import { openApp } from '../../app/compose.js';
import type { PlanInput } from '../../core/plan-schema.js';
import {
  addCommonOptions,
  addReportOptions,
  appConfigFrom,
  type CommonFlags,
  type ReportFlags,
} from '../cli-options.js';
import { followTask } from '../follow-task.js';
import { cancelWindowFrom, Interrupts } from '../interrupts.js';
import { readPlanFile } from '../plan-file.js';
import { renderEstimate } from '../render/estimate.js';
import { estimatedLines, estimateOfRecord } from '../review-prompt.js';
import { resolveTaskId } from '../task-id.js';
import { checkOutputPath } from '../task-report-output.js';

type ApproveFlags = CommonFlags & ReportFlags & { plan?: string };

export function approveCommand(): Command {
  return addReportOptions(addCommonOptions(new Command('approve')))
    .description('run a task that waits for approval (run --review, POST /tasks {review: true})')
    .argument('<id>', 'task id, or a unique prefix of it (with or without compound-)')
    .option('--plan <file>', 'run this edited plan (JSON, as run --plan takes) instead of the reviewed one')
    .option('--json', 'print the final task record as JSON on stdout, nothing else')
    .action(async (id: string, flags: ApproveFlags) => {
      checkOutputPath(flags.output);
      const planFile = flags.plan ? readPlanFile(flags.plan) : undefined;
      const app = await openApp(appConfigFrom(flags));
      const interrupts = new Interrupts().listen();
      try {
        const taskId = await resolveTaskId(app.store, id);
        const receipt = await app.service.approveTask(
          taskId,
          planFile ? { plan: planFile.raw as PlanInput } : {},
        );
        if (planFile && !flags.json) {
          const task = await app.service.getTaskProgress(taskId);
          if (task?.estimate) {
            const text = renderEstimate(estimatedLines(task.subtasks), estimateOfRecord(task));
            process.stdout.write(`Approved an edited plan of ${receipt.subtask_count} subtasks.\n${text}\n`);
          }
        }
        process.exitCode = await followTask(app, taskId, {
          json: flags.json === true,
          report: flags,
          interrupts,
          cancelWindowMs: cancelWindowFrom(process.env),
        });
      } finally {
        try {
          await app.close();
        } finally {
          interrupts.dispose();
        }
      }
    });
}
