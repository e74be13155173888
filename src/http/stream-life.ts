// The life of a server-sent event response, shared by the task event stream (sse.ts) and the
// task-list stream (task-list-stream.ts): heartbeat comments keep proxies from timing out, and
// the stream ends when the client goes away, the server shuts down, or the caller's token is
// revoked (checked every `authCheckMs`; the client is told with an `error` event first).
// `signal` aborts at the first of these, and `ending` says which.

import type { ServerResponse } from 'node:http';

/** Why a stream ended. */
export type StreamEnd = 'finished' | 'client-gone' | 'shutdown' | 'failed' | 'revoked';

export interface StreamLifeOptions {
  /** Milliseconds between heartbeat comments. */
  heartbeatMs: number;
  /** Aborts every stream when the server shuts down. */
  shutdown: AbortSignal;
  /** Whether the caller's token is still valid; checked every `authCheckMs`. Default: always. */
  authorized?: () => Promise<boolean>;
  /** Milliseconds between `authorized` checks. Default 5,000. */
  authCheckMs?: number;
}

export const REVOKED_FRAME = `event: error\ndata: ${JSON.stringify({
  error: { code: 'UNAUTHORIZED', message: 'the token was revoked' },
})}\n\n`;

export class StreamLife {
  private readonly controller = new AbortController();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly onClose = () => this.end('client-gone');
  private readonly onShutdown = () => this.end('shutdown');
  /** What ended the stream: `finished` until something else did. */
  ending: StreamEnd = 'finished';

  constructor(
    private readonly response: ServerResponse,
    private readonly options: StreamLifeOptions,
  ) {
    response.on('close', this.onClose);
    options.shutdown.addEventListener('abort', this.onShutdown);
    this.timers.push(setInterval(() => this.write(': heartbeat\n\n'), options.heartbeatMs));
    const authorized = options.authorized;
    if (authorized !== undefined) {
      const check = () =>
        authorized().then(
          (valid) => {
            if (valid || this.signal.aborted) return;
            this.write(REVOKED_FRAME);
            this.end('revoked');
          },
          // A failed check (store unreachable) is not a revocation: the next one decides.
          () => undefined,
        );
      this.timers.push(setInterval(check, options.authCheckMs ?? 5000));
    }
  }

  /** Aborts when the stream must end. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Ends the stream for `reason`, unless it ended already. */
  end(reason: StreamEnd): void {
    if (this.signal.aborted) return;
    this.ending = reason;
    this.controller.abort();
  }

  /** Writes to the client unless the response is over. */
  write(text: string): boolean {
    if (this.response.writableEnded || this.response.destroyed) return false;
    return this.response.write(text);
  }

  /** Stops the timers and listeners and ends the response. */
  close(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.response.off('close', this.onClose);
    this.options.shutdown.removeEventListener('abort', this.onShutdown);
    if (!this.response.writableEnded) this.response.end();
  }
}
