// The `claude-cli` provider: runs `claude -p --model <alias> --output-format json` as a bounded,
// tool-less, context-free model call (the flags, environment and working directory are in
// claude-cli-invocation.ts), with the prompt on stdin (never through a shell), and reads the
// CLI's one JSON result object.
//
// Failure mapping (claude-cli-result.ts, claude-cli-failure.ts), first match wins:
// - the binary is missing or not executable: PROVIDER_UNAVAILABLE, not retryable (other spawn
//   errors, e.g. EAGAIN, are retryable);
// - the abort signal fired: SIGTERM, SIGKILL after killGraceMs, then reject with signal.reason
//   once the child has exited (the engine's timeout or cancellation reason);
// - stdout holds a result object with is_error true, an `error*` subtype or a non-zero exit: a
//   failure carrying the reported tokens and total_cost_usd (so the failed attempt is priced),
//   whose message shows `result` or `errors[0]`. Classified from the CLI's fields first:
//   api_error_status 401/403 (or authentication_error, permission_error) -> PROVIDER_AUTH;
//   404 (not_found_error) -> PROVIDER_MODEL_NOT_FOUND; terminal_reason prompt_too_long, 400,
//   413 (invalid_request_error) -> PROVIDER_BAD_REQUEST (none of these three retried);
//   429 -> PROVIDER_RATE_LIMITED; 529 -> PROVIDER_OVERLOADED; other 5xx (api_error) ->
//   PROVIDER_SERVER_ERROR (these three retried); terminal_reason max_turns or
//   budget_exhausted -> PROVIDER_REFUSED, not retried (it would end the same way). Then by the
//   text, as a fallback: not logged in / invalid key -> PROVIDER_AUTH; model -> MODEL_NOT_FOUND;
//   too long -> BAD_REQUEST; rate limit, overload, 5xx as above; a malformed API answer (a
//   proxy) -> PROVIDER_BAD_OUTPUT; another api_error -> PROVIDER_CONNECTION; else
//   PROVIDER_REFUSED (these last four retried);
// - no result object and a non-zero exit: "unknown option '--flag'" -> PROVIDER_UNAVAILABLE
//   naming the oldest CLI that works, not retried; exit code 2 or another usage message ->
//   PROVIDER_BAD_REQUEST, not retried; else PROVIDER_EXIT, retryable, with stderr's first line
//   (trimmed, 300 characters at most; never the environment);
// - no result object and exit 0: PROVIDER_BAD_OUTPUT, retryable.

import { type ChildProcess, spawn } from 'node:child_process';
import { utf8Length } from '../../core/call-reservation.js';
import { invalidValue, SymbiontError } from '../../core/errors.js';
import { PLAN_JSON_SCHEMA } from '../../core/plan-schema.js';
import type { Tier } from '../../core/records.js';
import type { CompletionRequest, CompletionResult, ModelProvider } from '../../ports/model-provider.js';
import {
  childEnvironment,
  cliArguments,
  prepareWorkDir,
  reducedEnvironment,
  SYMBIONT_SYSTEM_PROMPT,
} from './claude-cli-invocation.js';
import { type CliExit, interpretCliExit } from './claude-cli-result.js';

export { type ClaudeAuthStatus, claudeAuthStatus } from './claude-cli-auth.js';

export interface ClaudeCliProviderOptions {
  /** The CLI to run: a name looked up on PATH or a path. Default: env SYMBIONT_CLAUDE_BIN, else `claude`. */
  readonly binary?: string;
  /** Tier to the CLI's --model value. Default: haiku, sonnet, opus. */
  readonly models?: Partial<Record<Tier, string>>;
  /**
   * Where SYMBIONT_CLAUDE_BIN is read, and what the child's environment is reduced from (only
   * the variables the CLI needs pass), both when the provider is made. Default: process.env.
   */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * The empty directory the CLI runs in, made owner-only if missing (the composition root
   * passes <data home>/claude-cwd). Default: a private directory made under the temp directory.
   */
  readonly workDir?: string;
  /** Replaces Claude Code's own system prompt. Default: SYMBIONT_SYSTEM_PROMPT. */
  readonly systemPrompt?: string;
  /** Milliseconds between SIGTERM and SIGKILL when a call is aborted. Default 2000. */
  readonly killGraceMs?: number;
}

export const DEFAULT_CLAUDE_MODELS: Readonly<Record<Tier, string>> = { 1: 'haiku', 2: 'sonnet', 3: 'opus' };

/** Output beyond this is not a result we want to hold in memory. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
const MAX_STDERR_BYTES = 64 * 1024;
/** After SIGKILL, how long we wait for the exit event before settling anyway. */
const AFTER_KILL_MS = 1000;
const TIERS: readonly Tier[] = [1, 2, 3];
/** A model alias or id; no leading dash, so that it can never read as one of the CLI's options. */
const MODEL_NAME = /^\w[\w.:@[\]/-]*$/;

interface ResolvedOptions {
  binary: string;
  models: Record<Tier, string>;
  env: NodeJS.ProcessEnv;
  killGraceMs: number;
  workDir: string | undefined;
  systemPrompt: string;
}

function resolveOptions(options: ClaudeCliProviderOptions): ResolvedOptions {
  const env = options.env ?? process.env;
  const fromEnv = env.SYMBIONT_CLAUDE_BIN?.trim();
  const merged = {
    binary: fromEnv === undefined || fromEnv === '' ? 'claude' : fromEnv,
    killGraceMs: 2000,
    systemPrompt: SYMBIONT_SYSTEM_PROMPT,
    ...options,
    workDir: options.workDir,
    // Reduced once: enumerating process.env goes through libuv and cost ~90 µs on every call.
    env: reducedEnvironment(env),
    models: { ...DEFAULT_CLAUDE_MODELS, ...options.models },
  };
  if (typeof merged.binary !== 'string' || merged.binary.trim() === '') {
    throw invalidValue('binary', 'a non-empty path or name', merged.binary, 'CONFIG');
  }
  if (typeof merged.systemPrompt !== 'string' || merged.systemPrompt.trim() === '') {
    throw invalidValue('systemPrompt', 'a non-empty text', merged.systemPrompt, 'CONFIG');
  }
  if (merged.workDir !== undefined && (typeof merged.workDir !== 'string' || merged.workDir.trim() === '')) {
    throw invalidValue('workDir', 'a directory path', merged.workDir, 'CONFIG');
  }
  if (
    typeof merged.killGraceMs !== 'number' ||
    !Number.isFinite(merged.killGraceMs) ||
    merged.killGraceMs < 0
  ) {
    throw invalidValue('killGraceMs', 'a finite number from 0 and up', merged.killGraceMs, 'CONFIG');
  }
  for (const tier of TIERS) {
    const model = merged.models[tier];
    if (typeof model !== 'string' || !MODEL_NAME.test(model)) {
      throw invalidValue(
        `models[${tier}]`,
        'a model alias or id (letters, digits, . - _ : @ / [ ])',
        model,
        'CONFIG',
      );
    }
  }
  return merged;
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
function runCli(
  options: ResolvedOptions,
  workDir: string,
  request: CompletionRequest,
  signal: AbortSignal,
): Promise<CliExit> {
  return new Promise<CliExit>((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(options.binary, cliArguments(request.model, request, options.systemPrompt), {
        shell: false,
        stdio: ['pipe', 'pipe', 'pipe'],
        cwd: workDir,
        env: childEnvironment(options.env, request),
        windowsHide: true,
      });
    } catch (error) {
      reject(spawnFailure(error as NodeJS.ErrnoException, options.binary));
      return;
    }
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let stdoutBytes = 0;
    let stderrBytes = 0;
    let settled = false;
    let failure: SymbiontError | undefined;
    const timers: NodeJS.Timeout[] = [];

    const finish = (action: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      for (const timer of timers) clearTimeout(timer);
      action();
    };
    const stop = () => {
      child.kill('SIGTERM');
      timers.push(
        setTimeout(() => {
          child.kill('SIGKILL');
          // The exit event should follow at once; if it never does, settle anyway.
          timers.push(setTimeout(() => finish(() => reject(failure ?? signal.reason)), AFTER_KILL_MS));
        }, options.killGraceMs),
      );
    };
    const onAbort = () => {
      child.stdout?.destroy();
      child.stderr?.destroy();
      stop();
    };

    child.on('error', (error: NodeJS.ErrnoException) => {
      // Spawn failures come here (ENOENT...); no exit event follows them.
      if (child.pid === undefined) finish(() => reject(spawnFailure(error, options.binary)));
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes <= MAX_OUTPUT_BYTES) stdout.push(chunk);
      else if (failure === undefined) {
        failure = new SymbiontError(
          'PROVIDER_BAD_OUTPUT',
          `claude CLI printed more than ${MAX_OUTPUT_BYTES} bytes`,
          {
            retryable: true,
          },
        );
        stop();
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderrBytes < MAX_STDERR_BYTES) stderr.push(chunk);
      stderrBytes += chunk.length;
    });
    // The child may exit before reading its stdin (EPIPE): its exit status tells what happened.
    child.stdin?.on('error', () => {});
    child.on('close', (exitCode, exitSignal) => {
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
      });
    });
    // After an abort, settle on exit: stdio may stay open if the child left grandchildren behind.
    child.on('exit', () => {
      if (signal.aborted || failure !== undefined)
        finish(() => reject(signal.aborted ? signal.reason : failure));
    });

    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    child.stdin?.end(request.prompt, 'utf8');
  });
}

/** Tokens the CLI adds around a call besides the system prompt and schema (about 90 measured). */
const CLI_FRAMING_ALLOWANCE_TOKENS = 512;

export function createClaudeCliProvider(options: ClaudeCliProviderOptions = {}): ModelProvider {
  const resolved = resolveOptions(options);
  let workDir: string | undefined;
  return {
    name: 'claude-cli',
    // CLAUDE_CODE_MAX_OUTPUT_TOKENS carries the cap to the CLI (claude-cli-invocation.ts).
    // The CLI adds its framing (about 90 tokens measured with --tools "" and our system
    // prompt, test/fixtures/claude-cli/README.md), the system prompt and, for planning, the
    // plan schema as its StructuredOutput tool: all counted here, with room to spare.
    // docs/decisions/budget-reservations.md says what this bound rests on.
    callBounds: {
      honoursMaxOutputTokens: true,
      promptOverheadTokens:
        CLI_FRAMING_ALLOWANCE_TOKENS +
        utf8Length(resolved.systemPrompt) +
        utf8Length(JSON.stringify(PLAN_JSON_SCHEMA)),
    },
    modelFor: (tier) => resolved.models[tier],
    complete: async (request: CompletionRequest, signal: AbortSignal): Promise<CompletionResult> => {
      if (signal.aborted) throw signal.reason;
      if (!MODEL_NAME.test(request.model)) {
        throw new SymbiontError(
          'PROVIDER_BAD_REQUEST',
          `claude CLI: \`${request.model.slice(0, 80)}\` is not a model alias or id (letters, digits, . - _ : @ / [ ], no leading dash)`,
          { context: { provider: 'claude-cli' } },
        );
      }
      // Made on the first call (and again should it vanish), so building a provider touches no disk.
      workDir = prepareWorkDir(workDir ?? resolved.workDir);
      const exit = await runCli(resolved, workDir, request, signal);
      return interpretCliExit(exit, { provider: 'claude-cli', model: request.model });
    },
  };
}
