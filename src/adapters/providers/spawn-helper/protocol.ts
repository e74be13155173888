// The messages between the process that runs claude-cli calls and its spawn helper (a small
// Node process that starts the CLI children for it, so that the main event loop never forks:
// docs/decisions/claude-cli-spawn-floor.md). They cross a Node IPC channel with the
// 'advanced' (structured clone) serialization, so Buffers pass as they are. Types only: the
// helper program (helper-main.ts) and the parent's side (helper-connection.ts) both use them.

import type { CliSpawnRequest } from './cli-process.js';

/** Parent to helper: start one child. `id` is the parent's, unique per helper. */
export interface SpawnMessage extends CliSpawnRequest {
  type: 'spawn';
  id: number;
}

/** Parent to helper: signal a child; its stdout and stderr are no longer relayed after this. */
export interface KillMessage {
  type: 'kill';
  id: number;
  signal: NodeJS.Signals;
}

export type ToHelper = SpawnMessage | KillMessage;

/**
 * Helper to parent, about child `id`. After `spawn-error` or `close` nothing more comes for it;
 * `exit` (before `close`) is sent only for a child the parent has signalled.
 */
export type FromHelper =
  | ({ type: 'output'; id: number } & Output)
  | { type: 'spawn-error'; id: number; code: string | undefined; message: string }
  | { type: 'exit'; id: number; code: number | null; signal: NodeJS.Signals | null }
  | ({ type: 'close'; id: number; code: number | null; signal: NodeJS.Signals | null } & Output);

/** Output chunks in the order the child printed them, per stream; `close` carries the last ones. */
export interface Output {
  stdout: Uint8Array[];
  stderr: Uint8Array[];
}

/**
 * Output held back before it is sent (unless streamed): a CLI that answers with a few KB then
 * costs one message back, its close, instead of one per chunk.
 */
export const HOLD_BYTES = 64 * 1024;

/** How long the helper lets its children answer SIGTERM once its parent is gone, before SIGKILL. */
export const ORPHAN_GRACE_MS = 1000;
