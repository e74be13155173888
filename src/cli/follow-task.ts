// Following a task this process executes, to its end: the live view, then the report that ends
// with the answer (or the record with --json; --steps, --output as task-report-output.ts says)
// and the exit status. `run`, `approve` and `retry` share it. Ctrl-C stops the run
// and leaves the task resumable (exit 130); a second Ctrl-C cancels it; SIGTERM stops it like
// the first Ctrl-C (exit 143). See interrupts.ts.

import type { App } from '../app/compose.js';
import { isFinalTaskStatus } from '../core/records.js';
import type { ReportFlags } from './cli-options.js';
import { EXIT_INTERRUPTED, EXIT_TERMINATED } from './exit.js';
import type { Interrupts } from './interrupts.js';
import { endWithAnswer } from './task-report-output.js';
import { showTaskEvents } from './task-view.js';

export interface FollowOptions {
  json: boolean;
  /** --steps and --output (checked before the task started: checkOutputPath). */
  report?: ReportFlags;
  interrupts: Interrupts;
  /** How long a second Ctrl-C still cancels. */
  cancelWindowMs: number;
  /** The view's first line. Default: `task ID (provider)`. */
  header?: string;
  /** Events up to this seq are an earlier run's (a retry): not printed as lines. Default 0. */
  quietThrough?: number;
}

/** Resolves with the exit status: 0 when the task completed, 1 when not, 130/143 when stopped. */
export async function followTask(app: App, taskId: string, options: FollowOptions): Promise<number> {
  const { interrupts } = options;
  const stdout = process.stdout;
  // Taken now, while the task runs here: it rejects with a store or ledger failure that
  // ended the run, which is then reported as the command's error.
  const finished = app.service.waitForTask(taskId);
  finished.catch(() => undefined);
  await showTaskEvents(app.service.events(taskId, { signal: interrupts.signal, endWithLocalRun: true }), {
    stdout,
    quiet: options.json,
    header: () => options.header ?? `task ${taskId} (${app.providerName})`,
    ...(options.quietThrough === undefined ? {} : { quietThrough: options.quietThrough }),
  });
  const stoppedBy = interrupts.stoppedBy;
  if (stoppedBy !== undefined) {
    const current = await app.service.getTaskProgress(taskId);
    if (!current || !isFinalTaskStatus(current.status)) {
      return await stopRun(app, taskId, interrupts, stoppedBy === 'SIGINT' ? options.cancelWindowMs : 0);
    }
  }
  return endWithAnswer(await finished, { ...options.report, json: options.json }, stdout);
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
