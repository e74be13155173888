// The scrape token: a secret given to the server (SYMBIONT_METRICS_TOKEN) that opens /metrics,
// and nothing else, to a Prometheus scraper that should not hold an admin token. Compared as
// SHA-256 digests in constant time, as the API tokens are.

import { timingSafeEqual } from 'node:crypto';
import { tokenDigest } from '../core/token-digest.js';

/** Shortest scrape token accepted: it guards operational data, so no guessable word. */
export const SCRAPE_TOKEN_MIN_CHARS = 16;

const BEARER = /^Bearer[ ]+(\S{1,512})[ ]*$/i;

/** A check of an Authorization header against the scrape token; throws RangeError on a short token. */
export function scrapeTokenMatcher(token: string): (authorization: string | undefined) => boolean {
  if (token.length < SCRAPE_TOKEN_MIN_CHARS || /\s/.test(token)) {
    throw new RangeError(
      `Expected the metrics scrape token to be at least ${SCRAPE_TOKEN_MIN_CHARS} characters without spaces`,
    );
  }
  const expected = tokenDigest(token);
  return (authorization) => {
    const match = authorization === undefined ? null : BEARER.exec(authorization);
    return match !== null && timingSafeEqual(tokenDigest(match[1]!), expected);
  };
}
