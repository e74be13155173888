// Turns what `claude -p --output-format json` printed and how it exited into a CompletionResult
// or a SymbiontError. Pure: the spawning lives in claude-cli.ts. The failure mapping is
// documented there, in the provider's header; the shapes are the real CLI's
// (test/fixtures/claude-cli/, CLI 2.1.332).

import { z } from 'zod';
import { type ErrorCode, type ErrorUsage, SymbiontError } from '../../core/errors.js';
import type { CompletionResult } from '../../ports/model-provider.js';
import { refusedFlag, tooOldError } from './claude-cli-invocation.js';

const count = z.number().nonnegative().nullish();

/** The CLI's result object; lenient: extra fields pass through, most fields may be missing. */
export const cliResultSchema = z.looseObject({
  type: z.string().optional(),
  subtype: z.string().optional(),
  is_error: z.boolean().optional(),
  result: z.string().nullish(),
  structured_output: z.unknown().optional(),
  errors: z.array(z.unknown()).nullish(),
  api_error_status: z.number().nullish(),
  api_error_type: z.string().nullish(),
  terminal_reason: z.string().nullish(),
  total_cost_usd: z.number().nonnegative().nullish(),
  usage: z
    .looseObject({
      input_tokens: count,
      cache_creation_input_tokens: count,
      cache_read_input_tokens: count,
      output_tokens: count,
      cache_creation: z.looseObject({ ephemeral_1h_input_tokens: count }).nullish(),
    })
    .nullish(),
  modelUsage: z
    .record(
      z.string(),
      z.looseObject({
        inputTokens: count,
        outputTokens: count,
        cacheReadInputTokens: count,
        cacheCreationInputTokens: count,
        cacheCreationEphemeral1hInputTokens: count,
        costUSD: count,
      }),
    )
    .nullish(),
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

const LINE_CHARS = 300;
const USAGE_ERROR_SIGNS =
  /unknown option|error: option|unknown command|too many arguments|missing required argument/i;
// Fallbacks, for results without api_error_status / api_error_type / terminal_reason.
const AUTH_SIGNS = /not logged in|invalid api key|\/login|authentication[_ ]error|\b401\b|oauth token/i;
const MODEL_SIGNS = /not_found_error|issue with the selected model|model[^\n]{0,80}not (?:found|exist)/i;
const TOO_LONG_SIGNS = /prompt is too long|prompt_too_long|request_too_large/i;
const RATE_LIMIT_SIGNS = /rate[ _-]?limit|\b429\b|too many requests/i;
const OVERLOAD_SIGNS = /overloaded|\b529\b/i;
const SERVER_SIGNS = /\b50[0-4]\b|internal server error|bad gateway|service unavailable/i;
const MALFORMED_SIGNS = /empty or malformed response|malformed response/i;

/** The first non-empty line of a text, trimmed and capped: enough to explain, never a dump. */
export function firstLine(text: string): string {
  const line = text.split(/\r?\n/).find((candidate) => candidate.trim() !== '') ?? '';
  const trimmed = line.trim();
  return trimmed.length > LINE_CHARS ? `${trimmed.slice(0, LINE_CHARS)}…` : trimmed;
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
  cacheWrite1hTokens: number | null;
  costUsd: number | null;
}

/**
 * Tokens from `usage` (cumulative over turns; input counts the cache writes and reads, which
 * the CLI reports apart), or from `modelUsage` summed over models when `usage` is all zero
 * (the CLI's error_max_budget_usd result) and modelUsage is not.
 */
export function usageOf(result: CliResult): Usage {
  const costUsd = result.total_cost_usd ?? null;
  const usage = result.usage;
  const fromUsage: Usage = {
    inputTokens: null,
    outputTokens: usage?.output_tokens ?? null,
    cacheReadTokens: usage?.cache_read_input_tokens ?? null,
    cacheWriteTokens: usage?.cache_creation_input_tokens ?? null,
    cacheWrite1hTokens: usage?.cache_creation?.ephemeral_1h_input_tokens ?? null,
    costUsd,
  };
  const anyInput =
    usage?.input_tokens != null || fromUsage.cacheWriteTokens !== null || fromUsage.cacheReadTokens !== null;
  if (anyInput) {
    fromUsage.inputTokens =
      (usage?.input_tokens ?? 0) + (fromUsage.cacheWriteTokens ?? 0) + (fromUsage.cacheReadTokens ?? 0);
  }
  const models = Object.values(result.modelUsage ?? {});
  const usageIsZero = (fromUsage.inputTokens ?? 0) === 0 && (fromUsage.outputTokens ?? 0) === 0;
  if (!usageIsZero || models.length === 0) return fromUsage;
  const sum = (pick: (model: (typeof models)[number]) => number | null | undefined) =>
    models.reduce((total, model) => total + (pick(model) ?? 0), 0);
  const cacheReadTokens = sum((model) => model.cacheReadInputTokens);
  const cacheWriteTokens = sum((model) => model.cacheCreationInputTokens);
  const fromModels: Usage = {
    inputTokens: sum((model) => model.inputTokens) + cacheReadTokens + cacheWriteTokens,
    outputTokens: sum((model) => model.outputTokens),
    cacheReadTokens,
    cacheWriteTokens,
    cacheWrite1hTokens: sum((model) => model.cacheCreationEphemeral1hInputTokens),
    costUsd,
  };
  return fromModels.inputTokens === 0 && fromModels.outputTokens === 0 ? fromUsage : fromModels;
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

/** What the CLI said went wrong: `result`, else the first of `errors`, else the subtype. */
function reportedText(result: CliResult): string {
  const text = (result.result ?? '').trim();
  if (text !== '') return text;
  const first = result.errors?.find((item) => typeof item === 'string' && item.trim() !== '');
  return typeof first === 'string' ? first.trim() : '';
}

interface Classified {
  code: ErrorCode;
  retryable: boolean;
  what: string;
}

const classified = (code: ErrorCode, retryable: boolean, what: string): Classified => ({
  code,
  retryable,
  what,
});

/** From the CLI's structured fields first: api_error_status, api_error_type, terminal_reason, subtype. */
function classifyByFields(result: CliResult): Classified | undefined {
  const status = result.api_error_status ?? undefined;
  const type = result.api_error_type ?? '';
  const terminal = result.terminal_reason ?? '';
  const subtype = result.subtype ?? '';
  if (status === 401 || status === 403 || type === 'authentication_error' || type === 'permission_error')
    return classified('PROVIDER_AUTH', false, 'could not authenticate');
  if (status === 404 || type === 'not_found_error')
    return classified('PROVIDER_MODEL_NOT_FOUND', false, 'does not know the model');
  if (terminal === 'prompt_too_long' || status === 400 || status === 413 || type === 'invalid_request_error')
    return classified('PROVIDER_BAD_REQUEST', false, 'was refused the request');
  if (status === 429 || type === 'rate_limit_error')
    return classified('PROVIDER_RATE_LIMITED', true, 'was rate limited');
  if (status === 529 || type === 'overloaded_error')
    return classified('PROVIDER_OVERLOADED', true, 'reported an overloaded API');
  if ((status !== undefined && status >= 500) || type === 'api_error')
    return classified('PROVIDER_SERVER_ERROR', true, 'reported a server error');
  // The same call would end the same way: a turn limit, or the CLI's own spending limit.
  if (terminal === 'max_turns' || subtype === 'error_max_turns')
    return classified('PROVIDER_REFUSED', false, 'reached its turn limit');
  if (terminal === 'budget_exhausted' || subtype === 'error_max_budget_usd')
    return classified('PROVIDER_REFUSED', false, 'reached its own spending limit (--max-budget-usd)');
  return undefined;
}

/** The text only as a fallback, for results the fields do not explain. */
function classifyByText(result: CliResult, text: string): Classified {
  if (AUTH_SIGNS.test(text)) return classified('PROVIDER_AUTH', false, 'is not logged in');
  if (MODEL_SIGNS.test(text)) return classified('PROVIDER_MODEL_NOT_FOUND', false, 'does not know the model');
  if (TOO_LONG_SIGNS.test(text)) return classified('PROVIDER_BAD_REQUEST', false, 'was refused the request');
  if (RATE_LIMIT_SIGNS.test(text)) return classified('PROVIDER_RATE_LIMITED', true, 'was rate limited');
  if (OVERLOAD_SIGNS.test(text)) return classified('PROVIDER_OVERLOADED', true, 'reported an overloaded API');
  if (SERVER_SIGNS.test(text)) return classified('PROVIDER_SERVER_ERROR', true, 'reported a server error');
  if (MALFORMED_SIGNS.test(text))
    return classified('PROVIDER_BAD_OUTPUT', true, 'got a malformed answer from the API');
  if (result.terminal_reason === 'api_error')
    return classified('PROVIDER_CONNECTION', true, 'could not get an answer from the API');
  // error_during_execution and the like may be passing failures.
  return classified('PROVIDER_REFUSED', true, 'reported an error');
}

const HINTS: Partial<Record<ErrorCode, string>> = {
  PROVIDER_AUTH: ' (log in with `claude auth login`, or set ANTHROPIC_API_KEY; `symbiont doctor` checks)',
};

function failureOf(result: CliResult, exit: CliExit, context: Record<string, unknown>): SymbiontError {
  const usage = usageOf(result);
  const errorUsage: ErrorUsage = {
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    costUsd: usage.costUsd,
  };
  const subtype = result.subtype ?? 'unknown';
  const text = reportedText(result);
  const { code, retryable, what } = classifyByFields(result) ?? classifyByText(result, text);
  const status = result.api_error_status == null ? '' : ` (HTTP ${result.api_error_status})`;
  const detail = text === '' ? `subtype ${subtype}` : firstLine(text);
  return new SymbiontError(code, `claude CLI ${what}${status}: ${detail}${HINTS[code] ?? ''}`, {
    retryable,
    usage: errorUsage,
    context: {
      ...context,
      subtype,
      exitCode: exit.exitCode,
      apiErrorStatus: result.api_error_status ?? null,
      apiErrorType: result.api_error_type ?? null,
      terminalReason: result.terminal_reason ?? null,
    },
  });
}

/** The answer's text: the structured output as JSON when the CLI gave one, else `result`. */
function answerText(result: CliResult): string | undefined {
  const structured = result.structured_output;
  if (structured !== undefined && structured !== null) return JSON.stringify(structured);
  return typeof result.result === 'string' ? result.result : undefined;
}

/** Maps one finished CLI run to its result, or throws the SymbiontError it amounts to. */
export function interpretCliExit(exit: CliExit, context: Record<string, unknown>): CompletionResult {
  const result = parseCliStdout(exit.stdout);
  if (result !== undefined) {
    const failed = result.is_error === true || (result.subtype ?? '').startsWith('error');
    if (failed || exit.exitCode !== 0) throw failureOf(result, exit, context);
    const text = answerText(result);
    const usage = usageOf(result);
    if (text === undefined) {
      throw new SymbiontError(
        'PROVIDER_BAD_OUTPUT',
        'claude CLI printed a result object without a `result` text',
        {
          retryable: true,
          usage: { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, costUsd: usage.costUsd },
          context,
        },
      );
    }
    const model = answeringModel(result);
    return { text, ...usage, ...(model === undefined ? {} : { model }) };
  }
  const stderrLine = firstLine(exit.stderr);
  if (exit.exitCode === null) {
    return throwError(
      'PROVIDER_EXIT',
      true,
      `claude CLI was ended by ${exit.exitSignal ?? 'a signal'}${stderrLine === '' ? '' : `: ${stderrLine}`}`,
      { ...context, exitSignal: exit.exitSignal },
    );
  }
  if (exit.exitCode !== 0) {
    const flag = refusedFlag(`${exit.stderr}\n${exit.stdout}`);
    if (flag !== undefined) throw tooOldError(flag, context);
    const usageError = exit.exitCode === 2 || USAGE_ERROR_SIGNS.test(exit.stderr);
    const message = `claude CLI exited with code ${exit.exitCode}${stderrLine === '' ? '' : `: ${stderrLine}`}`;
    const exitContext = { ...context, exitCode: exit.exitCode };
    if (usageError)
      return throwError('PROVIDER_BAD_REQUEST', false, `${message} (a usage error)`, exitContext);
    if (AUTH_SIGNS.test(stderrLine)) return throwError('PROVIDER_AUTH', false, message, exitContext);
    return throwError('PROVIDER_EXIT', true, message, exitContext);
  }
  const preview = firstLine(exit.stdout).slice(0, 80);
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
