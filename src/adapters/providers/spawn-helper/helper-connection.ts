// One spawn helper process from its parent's side: started with `node -e` and the bundled
// helper program, talked to over an IPC channel ('advanced' serialization: Buffers cross as
// they are), with the calls it runs for us routed by id. It never keeps the parent alive: the
// process and its stderr are unref'd, and the channel is ref'd only while a call is in flight
// (as a directly spawned child's pipes would be). If it dies, or cannot be started, every call
// in flight gets `lost` with a retryable PROVIDER_UNAVAILABLE, and its CLI children, which are
// in the process group it leads, are ended; the pool (spawner.ts) then starts a new one for the
// next call. The environments it carries are never logged.

import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { SymbiontError } from '../../../core/errors.js';
import type { CliProcess, CliProcessEvents, CliSpawnRequest } from './cli-process.js';
import { SPAWN_HELPER_SCRIPT } from './helper-bundle.js';
import type { FromHelper, Output, ToHelper } from './protocol.js';

/** How much of the helper's own stderr is kept, to name what went wrong if it dies. */
const MAX_HELPER_STDERR = 4096;
/** How long after its channel closes a helper has to exit before it is killed. */
const DISCONNECT_GRACE_MS = 1000;

const asBuffer = (chunk: Uint8Array): Buffer =>
  Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);

function deliver(events: CliProcessEvents, output: Output): void {
  for (const chunk of output.stdout) events.stdout(asBuffer(chunk));
  for (const chunk of output.stderr) events.stderr(asBuffer(chunk));
}

export class HelperConnection {
  private readonly process: ChildProcess;
  private readonly calls = new Map<number, CliProcessEvents>();
  private nextId = 1;
  private stderr = '';
  private dead = false;
  private disconnected = false;

  /** `node`: the Node executable to run the helper with (this process's own by default). */
  constructor(private readonly node: string = process.execPath) {
    // A small environment of its own (no NODE_OPTIONS loaders, no secrets); each child gets
    // the environment its request carries.
    // `detached`: it leads a process group, which its children join (see endChildren).
    this.process = spawn(node, ['-e', SPAWN_HELPER_SCRIPT], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
      env: {},
      detached: true,
      windowsHide: true,
    });
    this.process.unref();
    this.process.channel?.unref();
    (this.process.stderr as Socket | null)?.unref();
    this.process.stderr?.setEncoding('utf8');
    this.process.stderr?.on('data', (text: string) => {
      if (this.stderr.length < MAX_HELPER_STDERR) this.stderr += text.slice(0, MAX_HELPER_STDERR);
    });
    this.process.on('message', (message: FromHelper) => this.receive(message));
    this.process.on('error', (error: NodeJS.ErrnoException) => {
      if (this.process.pid === undefined) {
        this.fail(`could not start the claude-cli spawn helper (${this.node}): ${error.message}`, error);
      } else this.fail(`the claude-cli spawn helper (pid ${this.process.pid}) failed: ${error.message}`);
    });
    this.process.on('exit', (code, signal) => {
      const how = signal === null ? `exited with code ${code}` : `was killed by ${signal}`;
      this.fail(`the claude-cli spawn helper (pid ${this.process.pid}) ${how}${this.stderrLine()}`);
    });
    // A channel closes just before the exit it comes with, which names what happened; a
    // helper that closed it and lives on is ended.
    this.process.on('disconnect', () => {
      this.disconnected = true;
      setTimeout(
        () => this.fail(`the claude-cli spawn helper (pid ${this.process.pid}) closed its channel`),
        DISCONNECT_GRACE_MS,
      ).unref();
    });
  }

  /** False once the helper is gone: the pool then drops it. */
  get alive(): boolean {
    return !this.dead && !this.disconnected;
  }

  get inFlight(): number {
    return this.calls.size;
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  start(request: CliSpawnRequest, events: CliProcessEvents): CliProcess {
    if (!this.alive) {
      // The pool never hands out a helper it knows is gone; this keeps a call from waiting forever.
      throw new SymbiontError('PROVIDER_UNAVAILABLE', 'the claude-cli spawn helper is gone; try again', {
        retryable: true,
        context: { provider: 'claude-cli', helperPid: this.process.pid },
      });
    }
    const id = this.nextId++;
    this.calls.set(id, events);
    if (this.calls.size === 1) this.process.channel?.ref();
    this.send({ type: 'spawn', id, ...request });
    return {
      kill: (signal) => {
        if (this.calls.has(id)) this.send({ type: 'kill', id, signal });
      },
    };
  }

  private send(message: ToHelper): void {
    if (this.dead) return;
    this.process.send(message, (error) => {
      if (error)
        this.fail(`could not reach the claude-cli spawn helper (pid ${this.process.pid}): ${error.message}`);
    });
  }

  private receive(message: FromHelper): void {
    const events = this.calls.get(message.id);
    if (events === undefined) return;
    switch (message.type) {
      case 'output':
        deliver(events, message);
        return;
      case 'exit':
        events.exit(message.code, message.signal);
        return;
      case 'spawn-error': {
        this.forget(message.id);
        const error: NodeJS.ErrnoException = new Error(message.message);
        if (message.code !== undefined) error.code = message.code;
        events.spawnError(error);
        return;
      }
      case 'close':
        this.forget(message.id);
        deliver(events, message);
        events.close(message.code, message.signal);
        return;
    }
  }

  private forget(id: number): void {
    this.calls.delete(id);
    if (this.calls.size === 0 && !this.dead) this.process.channel?.unref();
  }

  private stderrLine(): string {
    const line = this.stderr
      .split('\n')
      .map((text) => text.trim())
      .find((text) => /error/i.test(text));
    return line === undefined ? '' : ` (${line.slice(0, 200)})`;
  }

  /** The helper is gone: every call in flight is told, and no more are taken. */
  private fail(message: string, cause?: Error): void {
    if (this.dead) return;
    this.dead = true;
    const calls = [...this.calls.values()];
    this.calls.clear();
    const error = new SymbiontError('PROVIDER_UNAVAILABLE', `${message}; the next call starts a new helper`, {
      retryable: true,
      ...(cause === undefined ? {} : { cause }),
      context: { provider: 'claude-cli', helperPid: this.process.pid },
    });
    // It takes no more calls: make sure it is gone (its disconnect also ends its children).
    if (
      this.process.pid !== undefined &&
      this.process.exitCode === null &&
      this.process.signalCode === null
    ) {
      this.process.kill('SIGKILL');
    }
    this.endChildren();
    for (const events of calls) events.lost(error);
  }

  /**
   * A dead helper's CLI children would run on unseen: its process group gets SIGTERM, then
   * SIGKILL after the grace (a group with no process left answers ESRCH, ignored).
   */
  private endChildren(): void {
    const group = this.process.pid;
    if (group === undefined) return;
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-group, signal);
      } catch {
        // ESRCH: nothing is left in the group.
      }
    };
    signalGroup('SIGTERM');
    setTimeout(() => signalGroup('SIGKILL'), DISCONNECT_GRACE_MS).unref();
  }
}
