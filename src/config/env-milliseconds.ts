// A duration in whole milliseconds from an environment variable (SYMBIONT_CANCEL_WINDOW_MS,
// SYMBIONT_LEASE_TTL_MS): unset or blank is "not given"; anything else must be a whole number
// from the variable's minimum up, or it is a CONFIG error naming the variable and the value.

import { SymbiontError } from '../core/errors.js';

/** `text` is the variable's value as the caller read it (`env.NAME`, which the docs test sees). */
export function millisecondsFromEnv(
  name: string,
  text: string | undefined,
  minimum: number,
): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < minimum) {
    throw new SymbiontError(
      'CONFIG',
      `${name} expects a whole number of milliseconds from ${minimum} up, got '${text}'`,
    );
  }
  return value;
}
