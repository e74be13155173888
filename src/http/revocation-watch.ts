// A stream that outlives its token must not go on: every `everyMs` the caller's token is checked
// again, and once it is no longer valid the stream is told (an `error` event naming the
// revocation) and ended. Shared by the task event stream and the task-list stream.

import type { ServerResponse } from 'node:http';

export interface RevocationWatchOptions {
  response: ServerResponse;
  /** Whether the caller's token is still valid. */
  authorized: () => Promise<boolean>;
  /** Milliseconds between checks. */
  everyMs: number;
  /** Called once, after the error event was written, when the token is no longer valid. */
  onRevoked: () => void;
}

export const REVOKED_FRAME = `event: error\ndata: ${JSON.stringify({
  error: { code: 'UNAUTHORIZED', message: 'the token was revoked' },
})}\n\n`;

/** Starts the checks; returns the function that stops them. */
export function watchRevocation(options: RevocationWatchOptions): () => void {
  let revoked = false;
  const timer = setInterval(() => {
    options.authorized().then(
      (valid) => {
        if (valid || revoked) return;
        revoked = true;
        clearInterval(timer);
        const { response } = options;
        if (!response.writableEnded && !response.destroyed) response.write(REVOKED_FRAME);
        options.onRevoked();
      },
      // A failed check (store unreachable) is not a revocation: the next one decides.
      () => undefined,
    );
  }, options.everyMs);
  return () => clearInterval(timer);
}
