// How `run` and `retry` end: the final record as JSON (`--json`), or the report that ends
// with the answer (steps only with `--steps`); `--output FILE` also writes the answer alone.
// The exit status is 0 for a completed task, 1 otherwise.

import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SymbiontError } from '../core/errors.js';
import type { Task } from '../core/records.js';
import type { ReportFlags } from './cli-options.js';
import { EXIT_FAILED, EXIT_OK } from './exit.js';
import { renderTaskReport } from './render/task-report.js';

export function endWithAnswer(task: Task, flags: ReportFlags, stdout: NodeJS.WritableStream): number {
  if (flags.output !== undefined) writeAnswerFile(task, flags.output);
  if (flags.json) stdout.write(`${JSON.stringify(task, null, 2)}\n`);
  else stdout.write(`\n${renderTaskReport(task, { steps: flags.steps === true })}\n`);
  return task.status === 'completed' ? EXIT_OK : EXIT_FAILED;
}

/** Refuses an --output path whose directory does not exist, before anything is spent. */
export function checkOutputPath(path: string | undefined): void {
  if (path === undefined) return;
  const directory = dirname(path);
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    throw new SymbiontError(
      'INVALID_ARGUMENT',
      `--output ${path}: the directory ${directory} does not exist`,
    );
  }
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new SymbiontError('INVALID_ARGUMENT', `--output ${path} is a directory, not a file`);
  }
}

/** The answer alone, ending with a newline; a task with no answer writes no file and says so. */
function writeAnswerFile(task: Task, path: string): void {
  if (task.answer === null) {
    process.stderr.write(`symbiont: task ${task.id} has no answer; ${path} was not written\n`);
    return;
  }
  try {
    writeFileSync(path, task.answer.endsWith('\n') ? task.answer : `${task.answer}\n`);
  } catch (error) {
    throw new SymbiontError(
      'INVALID_ARGUMENT',
      `--output ${path}: cannot write the answer (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      { cause: error },
    );
  }
}
