// Turns what `claude -p --output-format json` printed and how it exited into a CompletionResult
// or a SymbiontError. Pure: the spawning lives in claude-cli.ts. The failure mapping is
// documented there, in the provider's header; the shapes are the real CLI's
// (test/fixtures/claude-cli/, CLI 2.1.332).

import { type ErrorCode, SymbiontError } from '../../core/errors.js';
import type { CompletionResult } from '../../ports/model-provider.js';
import { AUTH_SIGNS, cliFailure } from './claude-cli-failure.js';
import { refusedFlag, tooOldError } from './claude-cli-invocation.js';
import { type CliExit, type CliResult, firstLine, parseCliStdout, usageOf } from './claude-cli-output.js';

export {
  type CliExit,
  type CliResult,
  cliResultSchema,
  firstLine,
  parseCliStdout,
  usageOf,
} from './claude-cli-output.js';

const USAGE_ERROR_SIGNS =
  /unknown option|error: option|unknown command|too many arguments|missing required argument/i;

/** The model that did most of the work, from modelUsage (the CLI may also call a small model). */
function answeringModel(result: CliResult): string | undefined {
  let best: { name: string; weight: number } | undefined;
  for (const [name, usage] of Object.entries(result.modelUsage ?? {})) {
    const weight = usage.costUSD ?? usage.outputTokens ?? 0;
    if (best === undefined || weight > best.weight) best = { name, weight };
  }
  return best?.name;
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
    if (failed || exit.exitCode !== 0) throw cliFailure(result, exit, context);
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
