// `symbiont watch ID`: the live view of a task that another process (a `run`, a `resume`, the
// server) executes, read from the shared store: the events stored so far, then new ones as
// the store's event stream grows past the last seq seen. It never takes the task's lease.
// Ends when the task ends, with `run`'s exit status (0 completed, 1 otherwise); Ctrl-C stops
// watching (exit 130) and leaves the task alone.

import { Command } from 'commander';
import { type App, withApp } from '../../app/compose.js';
import { isFinalTaskStatus, isResumableTaskStatus, type Task } from '../../core/records.js';
import { addCommonOptions, appConfigFrom, type CommonFlags } from '../cli-options.js';
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK } from '../exit.js';
import { renderTaskReport } from '../render/task-report.js';
import { resolveTaskId } from '../task-id.js';
import { showTaskEvents } from '../task-view.js';

/** How often watch checks that some process still holds the task's lease. */
const HOLDER_CHECK_MS = 2000;

type WatchFlags = CommonFlags & { json?: boolean };

export function watchCommand(): Command {
  return addCommonOptions(new Command('watch'))
    .description('follow a task that another process or the server runs, until it ends')
    .argument('<id>', 'task id, or a unique prefix of it (with or without compound-)')
    .option('--json', 'print only the final task record as JSON')
    .action(async (id: string, flags: WatchFlags) => {
      process.exitCode = await withApp(appConfigFrom(flags), async (app) =>
        watchTask(app, await resolveTaskId(app.store, id), flags),
      );
    });
}

async function watchTask(app: App, taskId: string, flags: WatchFlags): Promise<number> {
  const atStart = await app.service.getTaskProgress(taskId);
  const stop = new AbortController();
  let reason: 'interrupted' | 'orphaned' | undefined;
  const onSignal = () => {
    reason = 'interrupted';
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  const orphanCheck = watchForOrphan(app, taskId, () => {
    reason = 'orphaned';
    stop.abort();
  });
  try {
    await showTaskEvents(app.service.events(taskId, { signal: stop.signal }), {
      stdout: process.stdout,
      quiet: flags.json === true,
      header: (task) => `watching task ${task.id} (${atStart?.status ?? task.status})`,
    });
  } finally {
    clearInterval(orphanCheck);
    process.removeListener('SIGINT', onSignal);
  }
  const task = await app.service.getTaskProgress(taskId);
  if (task && isFinalTaskStatus(task.status)) return report(task, flags);
  if (reason === 'interrupted') {
    say(`stopped watching; task ${taskId} goes on`);
    return EXIT_INTERRUPTED;
  }
  say(
    `task ${taskId} is ${task?.status ?? 'gone'} and no process runs it; \`symbiont resume\` continues an interrupted task`,
  );
  return EXIT_FAILED;
}

/** On a terminal, a line of its own after the live tree or the `^C` the terminal echoed. */
function say(line: string): void {
  process.stderr.write(`${process.stderr.isTTY ? '\n' : ''}symbiont: ${line}\n`);
}

function report(task: Task, flags: WatchFlags): number {
  process.stdout.write(flags.json ? `${JSON.stringify(task, null, 2)}\n` : `\n${renderTaskReport(task)}\n`);
  return task.status === 'completed' ? EXIT_OK : EXIT_FAILED;
}

/**
 * A task no process executes (its runner crashed, or stopped and left it resumable) would be
 * watched forever: `onOrphan` is called when two checks in a row find it unfinished and its
 * lease free. Two, because a lease is free for a moment between a task's creation and its
 * first lease, and between a detach and a resume.
 */
function watchForOrphan(app: App, taskId: string, onOrphan: () => void): NodeJS.Timeout {
  let misses = 0;
  let checking = false;
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    void (async () => {
      const holder = await app.store.leaseHolder(taskId);
      const task = holder === undefined ? await app.store.getTask(taskId) : undefined;
      // A task awaiting approval runs nowhere yet: it is watched until approved and run, or cancelled.
      misses =
        holder === undefined && task !== undefined && isResumableTaskStatus(task.status) ? misses + 1 : 0;
      if (misses >= 2) onOrphan();
    })()
      .catch(() => undefined)
      .finally(() => {
        checking = false;
      });
  }, HOLDER_CHECK_MS);
  // Not unref'd: the store polls of events() are, and this keeps the process waiting on them.
  return timer;
}
