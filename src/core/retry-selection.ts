// Which subtasks a retry runs again (SPEC §12). Pure. Without named subtasks: every failed,
// skipped and cancelled one. With named ones: those, every subtask that depends on them
// (transitively), and every dependency of those that did not complete (so that they can run);
// everything else keeps its state. Completed results outside the selection are kept and feed
// the re-run subtasks as dependency context.

import { dependentsOf } from './dependents.js';
import { SymbiontError } from './errors.js';
import { isFinalTaskStatus, type Subtask, type Task } from './records.js';

/** The indexes to reset, ascending; throws CONFLICT or INVALID_ARGUMENT with a message for people. */
export function retrySelection(
  task: Pick<Task, 'id' | 'status' | 'subtasks'>,
  named: readonly number[] = [],
): number[] {
  if (!isFinalTaskStatus(task.status)) {
    throw new SymbiontError(
      'CONFLICT',
      `task ${task.id} is ${task.status}: only a finished task can be retried`,
      {
        context: { taskId: task.id, status: task.status },
      },
    );
  }
  const subtasks = task.subtasks;
  for (const index of named) {
    if (!Number.isInteger(index) || index < 0 || index >= subtasks.length) {
      throw new SymbiontError(
        'INVALID_ARGUMENT',
        `task ${task.id} has no subtask ${index} (its subtasks are 0 to ${subtasks.length - 1})`,
        { context: { taskId: task.id, index } },
      );
    }
  }
  if (named.length === 0) {
    const open = subtasks.filter((subtask) => subtask.status !== 'completed').map((subtask) => subtask.index);
    // A task whose planning failed has no subtasks: the retry plans it again.
    if (open.length === 0 && subtasks.length > 0) {
      throw new SymbiontError(
        'CONFLICT',
        `task ${task.id} has nothing to retry: every subtask completed (name one to re-run it)`,
        { context: { taskId: task.id } },
      );
    }
    return open;
  }
  return withDependentsAndOpenDependencies(subtasks, named);
}

function withDependentsAndOpenDependencies(subtasks: readonly Subtask[], named: readonly number[]): number[] {
  const selected = new Uint8Array(subtasks.length);
  const dependents = dependentsOf(subtasks.map((subtask) => subtask.depends_on));
  const down = [...named];
  while (down.length > 0) {
    const index = down.pop()!;
    if (selected[index] === 1) continue;
    selected[index] = 1;
    for (let at = dependents.offsets[index]!; at < dependents.offsets[index + 1]!; at++) {
      down.push(dependents.targets[at]!);
    }
  }
  const up = subtasks.filter((subtask) => selected[subtask.index] === 1).map((subtask) => subtask.index);
  while (up.length > 0) {
    const index = up.pop()!;
    for (const dependency of subtasks[index]!.depends_on) {
      if (selected[dependency] === 1 || subtasks[dependency]!.status === 'completed') continue;
      selected[dependency] = 1;
      up.push(dependency);
    }
  }
  const indexes: number[] = [];
  for (let index = 0; index < subtasks.length; index++) if (selected[index] === 1) indexes.push(index);
  return indexes;
}
