// The `serve` flags of the operator limits (core/operator-limits.ts), one per limit, generated
// from the limits' table so that a new limit gets its flag and its variable at once; and the
// caps on open event streams.

import type { Command } from 'commander';
import type { OperatorLimitTexts } from '../config/operator-limits-env.js';
import { SymbiontError } from '../core/errors.js';
import { ALLOWED_MODELS_ENV, type NumericLimit, OPERATOR_LIMIT_FIELDS } from '../core/operator-limits.js';
import { DEFAULT_STREAM_CAPS, type StreamCaps } from '../http/stream-gate.js';

/** commander's camelCase key of a flag: --max-budget-usd -> maxBudgetUsd. */
function keyOf(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

export function addOperatorLimitOptions(command: Command): Command {
  for (const field of Object.values(OPERATOR_LIMIT_FIELDS)) {
    command.option(`${field.flag} <n>`, `${field.help} (or ${field.env}; default: no limit)`);
  }
  return command
    .option(
      '--allowed-models <list>',
      `models a request may name, per provider: PROVIDER=MODEL,MODEL;PROVIDER=... (or ${ALLOWED_MODELS_ENV})`,
    )
    .option(
      '--max-streams-per-token <n>',
      'open event streams per token',
      String(DEFAULT_STREAM_CAPS.maxStreamsPerToken),
    )
    .option('--max-streams <n>', 'open event streams in all', String(DEFAULT_STREAM_CAPS.maxStreams));
}

/** The flag texts by limit name, for operatorLimitsFrom. */
export function operatorLimitTexts(flags: Record<string, unknown>): OperatorLimitTexts {
  const texts: OperatorLimitTexts = {};
  for (const [name, field] of Object.entries(OPERATOR_LIMIT_FIELDS)) {
    const value = flags[keyOf(field.flag)];
    if (typeof value === 'string') texts[name as NumericLimit] = value;
  }
  if (typeof flags.allowedModels === 'string') texts.allowed_models = flags.allowedModels;
  return texts;
}

export function streamCapsFrom(flags: Record<string, unknown>): StreamCaps {
  const read = (flag: string, key: string) => {
    const text = String(flags[key]);
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) {
      throw new SymbiontError('INVALID_ARGUMENT', `${flag} expects a whole number from 1 up, got '${text}'`);
    }
    return value;
  };
  return {
    maxStreamsPerToken: read('--max-streams-per-token', 'maxStreamsPerToken'),
    maxStreams: read('--max-streams', 'maxStreams'),
  };
}
