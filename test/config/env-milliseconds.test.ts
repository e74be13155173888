import { describe, expect, it } from 'vitest';
import { millisecondsFromEnv } from '../../src/config/env-milliseconds.js';
import { SymbiontError } from '../../src/core/errors.js';

describe('millisecondsFromEnv', () => {
  it('is undefined when the variable is unset or blank, the whole number otherwise', () => {
    expect(millisecondsFromEnv('SYMBIONT_LEASE_TTL_MS', undefined, 100)).toBeUndefined();
    expect(millisecondsFromEnv('SYMBIONT_LEASE_TTL_MS', '  ', 100)).toBeUndefined();
    expect(millisecondsFromEnv('SYMBIONT_LEASE_TTL_MS', '100', 100)).toBe(100);
    expect(millisecondsFromEnv('SYMBIONT_LEASE_TTL_MS', '2000', 100)).toBe(2000);
  });

  it('refuses a value under the minimum or not whole with a CONFIG error naming the variable', () => {
    for (const text of ['99', '1.5', 'soon', '-1']) {
      let caught: unknown;
      try {
        millisecondsFromEnv('SYMBIONT_LEASE_TTL_MS', text, 100);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(SymbiontError);
      expect((caught as SymbiontError).code).toBe('CONFIG');
      expect((caught as SymbiontError).message).toBe(
        `SYMBIONT_LEASE_TTL_MS expects a whole number of milliseconds from 100 up, got '${text}'`,
      );
    }
  });
});
