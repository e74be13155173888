// What a failed CLI result amounts to: classified from the CLI's fields (api_error_status,
// api_error_type, terminal_reason, subtype) first, its text only as a fallback; the message
// shows `result` or `errors[0]`. Pure. The mapping is listed in claude-cli.ts's header.

import { type ErrorCode, type ErrorUsage, SymbiontError } from '../../core/errors.js';
import { type CliExit, type CliResult, firstLine, usageOf } from './claude-cli-output.js';

// Fallbacks, for results without api_error_status / api_error_type / terminal_reason.
export const AUTH_SIGNS =
  /not logged in|invalid api key|\/login|authentication[_ ]error|\b401\b|oauth token/i;
const MODEL_SIGNS = /not_found_error|issue with the selected model|model[^\n]{0,80}not (?:found|exist)/i;
const TOO_LONG_SIGNS = /prompt is too long|prompt_too_long|request_too_large/i;
const RATE_LIMIT_SIGNS = /rate[ _-]?limit|\b429\b|too many requests/i;
const OVERLOAD_SIGNS = /overloaded|\b529\b/i;
const SERVER_SIGNS = /\b50[0-4]\b|internal server error|bad gateway|service unavailable/i;
const MALFORMED_SIGNS = /empty or malformed response|malformed response/i;

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

export function cliFailure(
  result: CliResult,
  exit: CliExit,
  context: Record<string, unknown>,
): SymbiontError {
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
