// The spawn helper's program: it starts the claude CLI children its parent asks for, relays
// their output and exit over the IPC channel, and signals them on request. It is bundled by
// scripts/build-spawn-helper.ts into helper-bundle.ts, which the parent runs with `node -e`;
// nothing in src/ imports this module (it acts as soon as it is loaded).
//
// It stays small on purpose: libuv forks on spawn, and the cost of a fork grows with the
// forking process's memory (docs/decisions/claude-cli-spawn-floor.md). It logs nothing (the
// environments it receives may hold secrets). When its parent goes away (the channel
// disconnects) it sends SIGTERM to its children, SIGKILL after ORPHAN_GRACE_MS, and exits.

import { type ChildProcess, spawn } from 'node:child_process';
import { type FromHelper, ORPHAN_GRACE_MS, type SpawnMessage, type ToHelper } from './protocol.js';

const children = new Map<number, ChildProcess>();

function send(message: FromHelper): void {
  // A send after the parent is gone is dropped: 'disconnect' is already ending this process.
  if (process.connected) process.send?.(message);
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
  children.set(id, child);
  child.on('error', (error: NodeJS.ErrnoException) => {
    // Spawn failures come here (ENOENT...); no exit event follows them.
    if (child.pid !== undefined || !children.has(id)) return;
    children.delete(id);
    send(failure(id, error));
  });
  child.stdout?.on('data', (chunk: Buffer) => send({ type: 'stdout', id, chunk }));
  child.stderr?.on('data', (chunk: Buffer) => send({ type: 'stderr', id, chunk }));
  // The child may exit before reading its stdin (EPIPE): its exit status tells what happened.
  child.stdin?.on('error', () => {});
  child.on('exit', (code, signal) => send({ type: 'exit', id, code, signal }));
  child.on('close', (code, signal) => {
    if (!children.delete(id)) return;
    send({ type: 'close', id, code, signal });
  });
  child.stdin?.end(message.stdin, 'utf8');
}

function signalChild(id: number, signal: NodeJS.Signals): void {
  const child = children.get(id);
  if (child === undefined) return;
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

process.on('disconnect', () => {
  for (const child of children.values()) child.kill('SIGTERM');
  const exit = () => process.exit(0);
  if (children.size === 0) exit();
  setTimeout(() => {
    for (const child of children.values()) child.kill('SIGKILL');
    exit();
  }, ORPHAN_GRACE_MS);
  // Exit as soon as every child is gone.
  for (const child of children.values()) {
    child.on('close', () => {
      if (children.size === 0) exit();
    });
  }
});
