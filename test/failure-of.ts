// Awaits a promise that must reject with a SymbiontError and hands the error back, so that a
// test can assert its code, message and flags.

import { expect } from 'vitest';
import { SymbiontError } from '../src/core/errors.js';

export async function failureOf(promise: Promise<unknown>): Promise<SymbiontError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SymbiontError);
    return error as SymbiontError;
  }
  throw new Error('expected the call to fail');
}
