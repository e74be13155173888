// Checking a bearer token against stored digests: SHA-256 of the token, compared with every
// stored digest in constant time. Pure (hashing only).

import { timingSafeEqual } from 'node:crypto';
import { sha256Bytes } from './sha256.js';

/** SHA-256 of a token string, as bytes (what every authenticated request computes). */
export function tokenDigest(token: string): Buffer {
  return sha256Bytes(token);
}

/**
 * Index of the digest in `candidates` equal to `digest`, or -1. Every candidate is compared
 * (no early exit) with timingSafeEqual, so the time taken does not depend on which matched.
 */
export function findDigest(digest: Buffer, candidates: readonly Buffer[]): number {
  let found = -1;
  for (let index = 0; index < candidates.length; index++) {
    const candidate = candidates[index]!;
    if (candidate.length === digest.length && timingSafeEqual(candidate, digest) && found === -1) {
      found = index;
    }
  }
  return found;
}
