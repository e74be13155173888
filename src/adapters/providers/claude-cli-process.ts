// One run of the claude CLI as a child process: started without a shell by a spawn helper
// (spawn-helper/spawner.ts, so this process never forks), the prompt on stdin, stdout and
// stderr collected within caps, SIGTERM then SIGKILL on abort, and spawn errors mapped to
// PROVIDER_UNAVAILABLE. What the exit means is claude-cli-result.ts's job.

import { SymbiontError } from '../../core/errors.js';
import type { Tier } from '../../core/records.js';
import type { CompletionRequest, TextSink } from '../../ports/model-provider.js';
import { childEnvironment, cliArguments } from './claude-cli-invocation.js';
import type { CliExit } from './claude-cli-result.js';
import { streamJsonReader } from './claude-cli-stream.js';
import type { CliProcess, CliSpawner } from './spawn-helper/cli-process.js';
import { spawnThroughHelper } from './spawn-helper/spawner.js';

/** Output beyond this is not a result we want to hold in memory. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
const MAX_STDERR_BYTES = 64 * 1024;
/** After SIGKILL, how long we wait for the exit event before settling anyway. */
const AFTER_KILL_MS = 1000;

/** The provider's options once defaults are applied and checked (claude-cli.ts). */
export interface ResolvedOptions {
  binary: string;
  models: Record<Tier, string>;
  env: NodeJS.ProcessEnv;
  killGraceMs: number;
  workDir: string | undefined;
  systemPrompt: string;
}

function spawnFailure(error: NodeJS.ErrnoException, binary: string): SymbiontError {
  const missing = error.code === 'ENOENT' || error.code === 'ENOTDIR';
  if (missing || error.code === 'EACCES') {
    const problem = missing ? 'not found' : 'not executable';
    return new SymbiontError(
      'PROVIDER_UNAVAILABLE',
      `claude CLI ${problem} at '${binary}': install Claude Code or set --claude-bin / SYMBIONT_CLAUDE_BIN`,
      { cause: error, context: { binary, errno: error.code } },
    );
  }
  return new SymbiontError(
    'PROVIDER_UNAVAILABLE',
    `could not start the claude CLI at '${binary}': ${error.message}`,
    {
      retryable: true,
      cause: error,
      context: { binary, errno: error.code },
    },
  );
}

/** Runs the CLI once; resolves with what it printed and how it exited, or rejects (spawn error, abort). */
export function runCli(
  options: ResolvedOptions,
  workDir: string,
  request: CompletionRequest,
  signal: AbortSignal,
  onText?: TextSink,
  spawner: CliSpawner = spawnThroughHelper,
): Promise<CliExit> {
  return new Promise<CliExit>((resolve, reject) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let stdoutBytes = 0;
    let stderrBytes = 0;
    let settled = false;
    let failure: SymbiontError | undefined;
    const timers: NodeJS.Timeout[] = [];
    let child: CliProcess | undefined;

    const finish = (action: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      for (const timer of timers) clearTimeout(timer);
      action();
    };
    // Signalling also stops the child's output (cli-process.ts): none is wanted after this.
    const stop = () => {
      child?.kill('SIGTERM');
      timers.push(
        setTimeout(() => {
          child?.kill('SIGKILL');
          // The exit event should follow at once; if it never does, settle anyway.
          timers.push(setTimeout(() => finish(() => reject(failure ?? signal.reason)), AFTER_KILL_MS));
        }, options.killGraceMs),
      );
    };
    const onAbort = () => stop();
    const streamed = onText ? streamJsonReader(onText) : undefined;

    try {
      const argv = cliArguments(request.model, request, options.systemPrompt, onText !== undefined);
      child = spawner(
        {
          binary: options.binary,
          argv,
          cwd: workDir,
          env: childEnvironment(options.env, request) as Record<string, string>,
          stdin: request.prompt,
          stream: onText !== undefined,
        },
        {
          stdout: (chunk) => {
            if (settled || signal.aborted) return;
            stdoutBytes += chunk.length;
            if (streamed) streamed(chunk);
            if (stdoutBytes <= MAX_OUTPUT_BYTES) stdout.push(chunk);
            else if (failure === undefined) {
              failure = new SymbiontError(
                'PROVIDER_BAD_OUTPUT',
                `claude CLI printed more than ${MAX_OUTPUT_BYTES} bytes`,
                { retryable: true },
              );
              stop();
            }
          },
          stderr: (chunk) => {
            if (stderrBytes < MAX_STDERR_BYTES) stderr.push(chunk);
            stderrBytes += chunk.length;
          },
          spawnError: (error) => finish(() => reject(spawnFailure(error, options.binary))),
          lost: (error) => finish(() => reject(signal.aborted ? signal.reason : error)),
          // After an abort, settle on exit: stdio may stay open if the child left grandchildren behind.
          exit: () => {
            if (signal.aborted || failure !== undefined)
              finish(() => reject(signal.aborted ? signal.reason : failure));
          },
          close: (exitCode, exitSignal) =>
            finish(() => {
              if (signal.aborted) reject(signal.reason);
              else if (failure !== undefined) reject(failure);
              else {
                resolve({
                  stdout: Buffer.concat(stdout).toString('utf8'),
                  stderr: Buffer.concat(stderr).toString('utf8'),
                  exitCode,
                  exitSignal,
                });
              }
            }),
        },
      );
    } catch (error) {
      if (error instanceof SymbiontError) reject(error);
      else reject(spawnFailure(error as NodeJS.ErrnoException, options.binary));
      return;
    }

    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
