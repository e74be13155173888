// Making and checking bearer tokens: 32 random bytes, base64url, behind a recognisable
// prefix; only the SHA-256 digest is stored, and digests are compared in constant time.

import { randomBytes } from 'node:crypto';
import { SymbiontError } from '../../core/errors.js';
import { tokenDigest } from '../../core/token-digest.js';

export { findDigest, tokenDigest } from '../../core/token-digest.js';

export const TOKEN_PREFIX = 'symb_';
const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A new random token string (the only time it exists in clear). */
export function generateToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** SHA-256 (hex) of a token string. */
export function hashToken(token: string): string {
  return tokenDigest(token).toString('hex');
}

/** Throws INVALID_ARGUMENT unless `name` is 1-64 letters, digits, '.', '_' or '-'. */
export function assertTokenName(name: string): void {
  if (!TOKEN_NAME.test(name)) {
    throw new SymbiontError(
      'INVALID_ARGUMENT',
      `Expected a token name of 1-64 letters, digits, '.', '_' or '-' (starting with a letter or digit), got ${JSON.stringify(name)}`,
    );
  }
}
