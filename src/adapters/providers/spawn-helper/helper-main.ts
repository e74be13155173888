// The spawn helper's program: it starts the claude CLI children its parent asks for, relays
// their output (in batches unless streamed) and exit over the IPC channel, and signals them on request. It is bundled by
// scripts/build-spawn-helper.ts into helper-bundle.ts, which the parent runs with `node -e`;
// nothing in src/ imports this module (it acts as soon as it is loaded).
//
// It stays small on purpose: libuv forks on spawn, and the cost of a fork grows with the
// forking process's memory (docs/decisions/claude-cli-spawn-floor.md). It logs nothing (the
// environments it receives may hold secrets). When its parent goes away (the channel
// disconnects) it sends SIGTERM to its children, SIGKILL after ORPHAN_GRACE_MS, and exits.

import { type ChildProcess, spawn } from 'node:child_process';
import {
  type FromHelper,
  HOLD_BYTES,
  ORPHAN_GRACE_MS,
  type Output,
  type SpawnMessage,
  type ToHelper,
} from './protocol.js';

/** Output messages not yet written to the channel at which a child's output is paused. */
const MAX_UNSENT = 16;

interface Child {
  process: ChildProcess;
  stream: boolean;
  /** Set once the parent has signalled it: only then does the parent want its exit event. */
  signalled: boolean;
  /** Output messages sent but not yet written to the channel. */
  unsent: number;
  held: Output;
  heldBytes: number;
}

const children = new Map<number, Child>();

// What `ps` shows instead of `node -e <this whole script>`.
process.title = 'symbiont-spawn-helper';

function send(message: FromHelper): void {
  // A send after the parent is gone is dropped: 'disconnect' is already ending this process.
  if (process.connected) process.send?.(message);
}

/** Takes what is held of a child's output, to send. */
function takeHeld(entry: Child): Output {
  const held = entry.held;
  entry.held = { stdout: [], stderr: [] };
  entry.heldBytes = 0;
  return held;
}

/** Holds or sends an output chunk, pausing the child's output while the channel is backed up. */
function relay(id: number, entry: Child, stream: 'stdout' | 'stderr', chunk: Buffer): void {
  entry.held[stream].push(chunk);
  entry.heldBytes += chunk.length;
  if ((!entry.stream && entry.heldBytes < HOLD_BYTES) || !process.connected) return;
  const { stdout, stderr } = entry.process;
  entry.unsent++;
  if (entry.unsent >= MAX_UNSENT) {
    stdout?.pause();
    stderr?.pause();
  }
  const message: FromHelper = { type: 'output', id, ...takeHeld(entry) };
  process.send?.(message, undefined, undefined, () => {
    entry.unsent--;
    if (entry.unsent >= MAX_UNSENT / 2) return;
    for (const output of [stdout, stderr]) if (output?.isPaused() && !output.destroyed) output.resume();
  });
}

function failure(id: number, error: NodeJS.ErrnoException): FromHelper {
  return { type: 'spawn-error', id, code: error.code, message: error.message };
}

function start(message: SpawnMessage): void {
  const { id } = message;
  let child: ChildProcess;
  try {
    child = spawn(message.binary, message.argv, {
      shell: false,
      stdio: ['pipe', 'pipe', 'pipe'],
      cwd: message.cwd,
      env: message.env,
      windowsHide: true,
    });
  } catch (error) {
    send(failure(id, error as NodeJS.ErrnoException));
    return;
  }
  const entry: Child = {
    process: child,
    stream: message.stream,
    signalled: false,
    unsent: 0,
    held: { stdout: [], stderr: [] },
    heldBytes: 0,
  };
  children.set(id, entry);
  child.on('error', (error: NodeJS.ErrnoException) => {
    // Spawn failures come here (ENOENT...); no exit event follows them.
    if (child.pid !== undefined || !children.has(id)) return;
    children.delete(id);
    send(failure(id, error));
  });
  child.stdout?.on('data', (chunk: Buffer) => relay(id, entry, 'stdout', chunk));
  child.stderr?.on('data', (chunk: Buffer) => relay(id, entry, 'stderr', chunk));
  // The child may exit before reading its stdin (EPIPE): its exit status tells what happened.
  child.stdin?.on('error', () => {});
  // One message fewer per call: the parent needs the exit (before close) only after a kill.
  child.on('exit', (code, signal) => {
    if (entry.signalled) send({ type: 'exit', id, code, signal });
  });
  child.on('close', (code, signal) => {
    if (!children.delete(id)) return;
    send({ type: 'close', id, code, signal, ...takeHeld(entry) });
  });
  child.stdin?.end(message.stdin, 'utf8');
}

function signalChild(id: number, signal: NodeJS.Signals): void {
  const entry = children.get(id);
  if (entry === undefined) return;
  entry.signalled = true;
  takeHeld(entry);
  const child = entry.process;
  // Its output is no longer wanted; destroying the pipes also lets 'close' follow the exit even
  // when grandchildren still hold them.
  child.stdout?.destroy();
  child.stderr?.destroy();
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
}

process.on('message', (message: ToHelper) => {
  if (message.type === 'spawn') start(message);
  else if (message.type === 'kill') signalChild(message.id, message.signal);
});

// The parent is gone: end the children (SIGTERM, SIGKILL after the grace) and exit once they
// have been reaped, so that none is left a zombie under an init that does not reap.
process.on('disconnect', () => {
  const exitWhenDone = () => {
    if (children.size === 0) process.exit(0);
  };
  for (const { process: child } of children.values()) {
    child.stdout?.destroy();
    child.stderr?.destroy();
    child.on('close', exitWhenDone);
    child.kill('SIGTERM');
  }
  exitWhenDone();
  setTimeout(() => {
    for (const { process: child } of children.values()) child.kill('SIGKILL');
    setTimeout(() => process.exit(0), ORPHAN_GRACE_MS).unref();
  }, ORPHAN_GRACE_MS).unref();
});
