// The operator limits (core/operator-limits.ts) from `serve` flags and the environment: a flag
// wins over its variable (SYMBIONT_MAX_BUDGET_USD, ...). A bad value is a CONFIG error naming
// the flag or variable, what it expects and what it got.

import { SymbiontError } from '../core/errors.js';
import {
  ALLOWED_MODELS_ENV,
  checkOperatorLimits,
  NO_OPERATOR_LIMITS,
  type NumericLimit,
  OPERATOR_LIMIT_FIELDS,
  type OperatorLimits,
} from '../core/operator-limits.js';
import { describeBound, withinBound } from '../core/task-settings.js';

/** Raw texts by limit name (from flags); undefined: not given. */
export type OperatorLimitTexts = Partial<Record<NumericLimit | 'allowed_models', string>>;

function parseNumber(name: NumericLimit, where: string, text: string): number {
  const { bound } = OPERATOR_LIMIT_FIELDS[name];
  const value = Number(text.trim());
  if (text.trim() === '' || !withinBound(bound, value)) {
    throw new SymbiontError('CONFIG', `${where} expects ${describeBound(bound)}, got '${text}'`);
  }
  return value;
}

/** `anthropic=claude-haiku-4-5,claude-sonnet-4-5;openai=gpt-4o-mini` -> per provider. */
export function parseAllowedModels(where: string, text: string): Record<string, string[]> {
  const allowed: Record<string, string[]> = {};
  for (const part of text
    .split(';')
    .map((entry) => entry.trim())
    .filter(Boolean)) {
    const [provider, models, extra] = part.split('=');
    const names = (models ?? '')
      .split(',')
      .map((model) => model.trim())
      .filter(Boolean);
    if (extra !== undefined || !provider?.trim() || names.length === 0) {
      throw new SymbiontError(
        'CONFIG',
        `${where} expects PROVIDER=MODEL,MODEL;PROVIDER=MODEL, got '${text}'`,
      );
    }
    allowed[provider.trim()] = names;
  }
  return allowed;
}

/** The limits from flags (`texts`, by limit name) over the environment. */
export function operatorLimitsFrom(env: NodeJS.ProcessEnv, texts: OperatorLimitTexts = {}): OperatorLimits {
  const limits: { -readonly [K in keyof OperatorLimits]: OperatorLimits[K] } = { ...NO_OPERATOR_LIMITS };
  for (const name of Object.keys(OPERATOR_LIMIT_FIELDS) as NumericLimit[]) {
    const field = OPERATOR_LIMIT_FIELDS[name];
    const flag = texts[name];
    const fromEnv = env[field.env];
    if (flag !== undefined) limits[name] = parseNumber(name, field.flag, flag);
    else if (fromEnv !== undefined && fromEnv.trim() !== '')
      limits[name] = parseNumber(name, field.env, fromEnv);
  }
  const models = texts.allowed_models ?? env[ALLOWED_MODELS_ENV];
  if (models !== undefined && models.trim() !== '') {
    limits.allowed_models = parseAllowedModels(
      texts.allowed_models !== undefined ? '--allowed-models' : ALLOWED_MODELS_ENV,
      models,
    );
  }
  return checkOperatorLimits(limits);
}
