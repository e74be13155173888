// "A started CLI process", as the claude-cli provider sees it: what to start, the events that
// come back, and the one thing it can do to a running child (signal it). The helper-backed
// implementation is spawner.ts; the provider's logic (caps, abort, settling) is written once
// against this in claude-cli-process.ts.

import type { SymbiontError } from '../../../core/errors.js';

export interface CliSpawnRequest {
  binary: string;
  argv: string[];
  cwd: string;
  /** The child's whole environment. */
  env: Record<string, string>;
  /** Written to the child's stdin, which is then closed. */
  stdin: string;
  /** The caller reads the output as it comes; else it may be delivered in batches, all before `close`. */
  stream: boolean;
}

/** Called in this order: output chunks, then `exit`, then `close`; or `spawnError` or `lost` alone. */
export interface CliProcessEvents {
  stdout(chunk: Buffer): void;
  stderr(chunk: Buffer): void;
  /** The child could not be started (ENOENT, EACCES...): nothing else follows. */
  spawnError(error: NodeJS.ErrnoException): void;
  /** The child exited (told only once it has been signalled); output may arrive until `close`. */
  exit(code: number | null, signal: NodeJS.Signals | null): void;
  /** The child exited and its output is all delivered. */
  close(code: number | null, signal: NodeJS.Signals | null): void;
  /** What ran the child is gone (a retryable PROVIDER_UNAVAILABLE): nothing else follows. */
  lost(error: SymbiontError): void;
}

export interface CliProcess {
  /** Signals the child; from then on its stdout and stderr are no longer delivered. */
  kill(signal: NodeJS.Signals): void;
}

export type CliSpawner = (request: CliSpawnRequest, events: CliProcessEvents) => CliProcess;
