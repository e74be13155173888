// The live view of one task's event stream, shared by `run` (a task this process executes)
// and `watch` (a task another process or the server executes): a tree redrawn in place on a
// terminal, plain lines otherwise, nothing with --json. It builds the record from the events,
// and the live notes (running text, retries, escalations) the tree shows under a step.

import type { TaskEvent } from '../core/events.js';
import type { Task } from '../core/records.js';
import { applyTaskEvent, cloneTask } from '../core/task-reducer.js';
import { LiveNotes } from './render/live-notes.js';
import { LiveTree, wantsColour } from './render/live-tree.js';
import { plainLine } from './render/plain-progress.js';

export interface TaskViewOptions {
  stdout: NodeJS.WriteStream;
  /** --json: show nothing while the task runs. */
  quiet: boolean;
  /** The plain view's first line, once the task is known. */
  header: (task: Task) => string;
  /**
   * Events up to this seq build the view without a plain line each (`retry` follows the new
   * run of a task whose earlier run is already history). Default 0.
   */
  quietThrough?: number;
}

/**
 * Shows the events as they come; resolves with the record they built (undefined if the stream
 * ended before `task.created`) when the stream ends.
 */
export async function showTaskEvents(
  events: AsyncIterable<TaskEvent>,
  options: TaskViewOptions,
): Promise<Task | undefined> {
  const { stdout, quiet } = options;
  const live = !quiet && stdout.isTTY === true;
  let view: Task | undefined;
  let tree: LiveTree | undefined;
  const notes = new LiveNotes();
  let startedAt = 0;
  try {
    for await (const event of events) {
      if (event.type === 'task.created') {
        view = cloneTask(event.task);
        // Times are from the task's start, also for a viewer that joins late.
        startedAt = Date.parse(view.created_at);
        if (live) {
          tree = new LiveTree(stdout, () => view!, { notes, colour: wantsColour(stdout) });
          tree.start();
        } else if (!quiet) {
          stdout.write(`${options.header(view)}\n`);
        }
        continue;
      }
      if (!view) continue;
      applyTaskEvent(view, event);
      notes.apply(event);
      tree?.update();
      if (!live && !quiet && event.seq > (options.quietThrough ?? 0)) {
        const line = plainLine(event, view, startedAt);
        if (line) stdout.write(`${line}\n`);
      }
    }
  } finally {
    tree?.stop();
  }
  return view;
}
