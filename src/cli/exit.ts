// How the CLI ends: 0 success, 1 the task did not complete (or verify failed), 2 bad usage,
// 130 stopped by Ctrl-C, 143 stopped by SIGTERM.
// Errors are one line on stderr, never a stack trace.

import { errorTraits } from '../core/error-traits.js';
import { SymbiontError } from '../core/errors.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
/** Stopped by Ctrl-C (SIGINT), 128 + 2 as shells report it: the task was left resumable or cancelled. */
export const EXIT_INTERRUPTED = 130;
/** Stopped by SIGTERM, 128 + 15: the task was left resumable. */
export const EXIT_TERMINATED = 143;

/** Thrown by commands to end with a message and an exit status. */
export class CliExit extends Error {
  constructor(
    readonly exitCode: number,
    message = '',
  ) {
    super(message);
  }
}

export function exitCodeFor(error: unknown): number {
  if (error instanceof CliExit) return error.exitCode;
  if (error instanceof SymbiontError) return errorTraits(error.code).exitCode;
  return EXIT_FAILED;
}

export function messageFor(error: unknown): string {
  if (error instanceof CliExit) return error.message;
  if (error instanceof SymbiontError) return `symbiont: ${error.message}`;
  if (error instanceof Error) return `symbiont: ${error.message}`;
  return `symbiont: ${String(error)}`;
}
