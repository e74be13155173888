// What the HTTP providers share besides error mapping: option validation (each failure a CONFIG
// error naming the field, what was expected and what was received) and the doctor's check result.

import { invalidValue, type SymbiontError } from '../../core/errors.js';
import type { Tier } from '../../core/records.js';

/** The outcome of a check that spends no tokens (`symbiont doctor`). */
export interface ProviderCheck {
  ok: boolean;
  detail: string;
}

export const TIERS: readonly Tier[] = [1, 2, 3];

/** The tiers given a model name, validated; tiers left undefined are omitted. */
export function definedModels(
  models: Partial<Record<Tier, string>> | undefined,
): Partial<Record<Tier, string>> {
  const result: Partial<Record<Tier, string>> = {};
  for (const tier of TIERS) {
    const model = models?.[tier];
    if (model === undefined) continue;
    if (typeof model !== 'string' || model.trim() === '') {
      throw invalidOption(`models.${tier}`, 'a model name', model);
    }
    result[tier] = model;
  }
  return result;
}

export function positiveInteger(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw invalidOption(field, 'an integer from 1 and up', value);
  return value;
}

/** A provider option outside what it accepts: a CONFIG error naming the field. */
export function invalidOption(field: string, expected: string, value: unknown): SymbiontError {
  return invalidValue(field, expected, value, 'CONFIG');
}
