// Turns what `claude -p --output-format json` printed and how it exited into a CompletionResult
// or a SymbiontError. Pure: the spawning lives in claude-cli.ts. The failure mapping is
// documented there, in the provider's header.

import { z } from 'zod';
import { type ErrorCode, type ErrorUsage, SymbiontError } from '../../core/errors.js';
import type { CompletionResult } from '../../ports/model-provider.js';

const count = z.number().nonnegative().nullish();

/** The CLI's result object; lenient: extra fields pass through, most fields may be missing. */
export const cliResultSchema = z.looseObject({
  type: z.string().optional(),
  subtype: z.string().optional(),
  is_error: z.boolean().optional(),
  result: z.string().nullish(),
  total_cost_usd: z.number().nonnegative().nullish(),
  usage: z
    .looseObject({
      input_tokens: count,
      cache_creation_input_tokens: count,
      cache_read_input_tokens: count,
      output_tokens: count,
    })
    .nullish(),
  modelUsage: z.record(z.string(), z.looseObject({ outputTokens: count, costUSD: count })).nullish(),
});
export type CliResult = z.infer<typeof cliResultSchema>;

export interface CliExit {
  stdout: string;
  stderr: string;
  /** Exit code, or null when a signal ended the process. */
  exitCode: number | null;
  /** The signal that ended the process, when one did. */
  exitSignal: string | null;
}

const STDERR_LINE_CHARS = 300;
const USAGE_ERROR_SIGNS =
  /unknown option|error: option|unknown command|too many arguments|missing required argument/i;
const AUTH_SIGNS = /invalid api key|\/login|authentication[_ ]error|\b401\b|oauth token/i;
const MODEL_SIGNS = /not_found_error|model[^\n]{0,80}not (?:found|exist)|invalid model/i;
const RATE_LIMIT_SIGNS = /rate[ _-]?limit|\b429\b|too many requests/i;
const OVERLOAD_SIGNS = /overloaded|\b529\b/i;
const SERVER_SIGNS = /\b50[0-4]\b|internal server error|api_error|bad gateway|service unavailable/i;

/** The first non-empty line of stderr, trimmed and capped: enough to explain, never a dump. */
export function firstStderrLine(stderr: string): string {
  const line = stderr.split(/\r?\n/).find((candidate) => candidate.trim() !== '') ?? '';
  const trimmed = line.trim();
  return trimmed.length > STDERR_LINE_CHARS ? `${trimmed.slice(0, STDERR_LINE_CHARS)}…` : trimmed;
}

/** Finds the result object in stdout: the whole text, or its last JSON line, or the last `result` of an array. */
export function parseCliStdout(stdout: string): CliResult | undefined {
  const trimmed = stdout.trim();
  const candidates = [trimmed, trimmed.split(/\r?\n/).at(-1) ?? ''];
  for (const candidate of candidates) {
    let value: unknown;
    try {
      value = JSON.parse(candidate);
    } catch {
      continue;
    }
    if (Array.isArray(value)) {
      value = value.findLast(
        (item: unknown) =>
          typeof item === 'object' && item !== null && (item as { type?: unknown }).type === 'result',
      );
    }
    const parsed = cliResultSchema.safeParse(value);
    if (parsed.success && (parsed.data.type === undefined || parsed.data.type === 'result'))
      return parsed.data;
  }
  return undefined;
}

interface Usage {
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  cacheWriteTokens: number | null;
  costUsd: number | null;
}

/** Input tokens count the cache writes and reads as well: the CLI reports them apart. */
export function usageOf(result: CliResult): Usage {
  const usage = result.usage;
  const cacheWriteTokens = usage?.cache_creation_input_tokens ?? null;
  const cacheReadTokens = usage?.cache_read_input_tokens ?? null;
  const anyInput = usage?.input_tokens != null || cacheWriteTokens !== null || cacheReadTokens !== null;
  return {
    inputTokens: anyInput
      ? (usage?.input_tokens ?? 0) + (cacheWriteTokens ?? 0) + (cacheReadTokens ?? 0)
      : null,
    outputTokens: usage?.output_tokens ?? null,
    cacheReadTokens,
    cacheWriteTokens,
    costUsd: result.total_cost_usd ?? null,
  };
}

/** The model that did most of the work, from modelUsage (the CLI may also call a small model). */
function answeringModel(result: CliResult): string | undefined {
  let best: { name: string; weight: number } | undefined;
  for (const [name, usage] of Object.entries(result.modelUsage ?? {})) {
    const weight = usage.costUSD ?? usage.outputTokens ?? 0;
    if (best === undefined || weight > best.weight) best = { name, weight };
  }
  return best?.name;
}

function failureOf(result: CliResult, exit: CliExit, context: Record<string, unknown>): SymbiontError {
  const usage = usageOf(result);
  const errorUsage: ErrorUsage = {
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    costUsd: usage.costUsd,
  };
  const subtype = result.subtype ?? 'unknown';
  const text = (result.result ?? '').trim();
  const detail = text === '' ? `subtype ${subtype}` : firstStderrLine(text);
  const fullContext = { ...context, subtype, exitCode: exit.exitCode };
  const make = (code: ErrorCode, retryable: boolean, what: string) =>
    new SymbiontError(code, `claude CLI ${what}: ${detail}`, {
      retryable,
      usage: errorUsage,
      context: fullContext,
    });
  if (AUTH_SIGNS.test(text)) return make('PROVIDER_AUTH', false, 'is not logged in');
  if (RATE_LIMIT_SIGNS.test(text)) return make('PROVIDER_RATE_LIMITED', true, 'was rate limited');
  if (OVERLOAD_SIGNS.test(text)) return make('PROVIDER_OVERLOADED', true, 'reported an overloaded API');
  if (SERVER_SIGNS.test(text)) return make('PROVIDER_SERVER_ERROR', true, 'reported a server error');
  if (MODEL_SIGNS.test(text)) return make('PROVIDER_MODEL_NOT_FOUND', false, 'does not know the model');
  // error_max_turns will end the same way again; anything else may be a passing failure.
  return make('PROVIDER_REFUSED', subtype !== 'error_max_turns', 'reported an error');
}

/** Maps one finished CLI run to its result, or throws the SymbiontError it amounts to. */
export function interpretCliExit(exit: CliExit, context: Record<string, unknown>): CompletionResult {
  const result = parseCliStdout(exit.stdout);
  if (result !== undefined) {
    const failed = result.is_error === true || (result.subtype ?? '').startsWith('error');
    if (failed || exit.exitCode !== 0) throw failureOf(result, exit, context);
    if (typeof result.result !== 'string') {
      throw new SymbiontError(
        'PROVIDER_BAD_OUTPUT',
        'claude CLI printed a result object without a `result` text',
        {
          retryable: true,
          usage: { ...usageOf(result) },
          context,
        },
      );
    }
    const usage = usageOf(result);
    const model = answeringModel(result);
    return { text: result.result, ...usage, ...(model === undefined ? {} : { model }) };
  }
  const stderrLine = firstStderrLine(exit.stderr);
  if (exit.exitCode === null) {
    return throwError(
      'PROVIDER_EXIT',
      true,
      `claude CLI was ended by ${exit.exitSignal ?? 'a signal'}${stderrLine === '' ? '' : `: ${stderrLine}`}`,
      { ...context, exitSignal: exit.exitSignal },
    );
  }
  if (exit.exitCode !== 0) {
    const usageError = exit.exitCode === 2 || USAGE_ERROR_SIGNS.test(exit.stderr);
    const message = `claude CLI exited with code ${exit.exitCode}${stderrLine === '' ? '' : `: ${stderrLine}`}`;
    const exitContext = { ...context, exitCode: exit.exitCode };
    if (usageError)
      return throwError('PROVIDER_BAD_REQUEST', false, `${message} (a usage error)`, exitContext);
    if (AUTH_SIGNS.test(stderrLine)) return throwError('PROVIDER_AUTH', false, message, exitContext);
    return throwError('PROVIDER_EXIT', true, message, exitContext);
  }
  const preview = firstStderrLine(exit.stdout).slice(0, 80);
  return throwError(
    'PROVIDER_BAD_OUTPUT',
    true,
    `claude CLI printed output that is not its JSON result${preview === '' ? ' (nothing)' : `: ${preview}`}`,
    context,
  );
}

function throwError(
  code: ErrorCode,
  retryable: boolean,
  message: string,
  context: Record<string, unknown>,
): never {
  throw new SymbiontError(code, message, { retryable, context });
}
