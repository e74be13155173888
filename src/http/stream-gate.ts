// Caps on open event streams: per token and in all. A stream over a cap is refused with 429
// naming the cap, before anything is read for it; a stream that ends gives its place back.

import { limitExceeded } from './errors.js';

export interface StreamCaps {
  /** Open event streams one token may hold. */
  maxStreamsPerToken: number;
  /** Open event streams in all. */
  maxStreams: number;
}

export const DEFAULT_STREAM_CAPS: StreamCaps = { maxStreamsPerToken: 50, maxStreams: 1000 };

export class StreamGate {
  private total = 0;
  private readonly byToken = new Map<string, number>();

  constructor(private readonly caps: StreamCaps) {}

  /** Takes a place for `token`'s stream or throws 429; call the returned function once at its end. */
  open(token: string): () => void {
    const held = this.byToken.get(token) ?? 0;
    if (held >= this.caps.maxStreamsPerToken) {
      throw limitExceeded(429, 'max_streams_per_token', this.caps.maxStreamsPerToken);
    }
    if (this.total >= this.caps.maxStreams) throw limitExceeded(429, 'max_streams', this.caps.maxStreams);
    this.byToken.set(token, held + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.byToken.get(token) ?? 1) - 1;
      if (left === 0) this.byToken.delete(token);
      else this.byToken.set(token, left);
    };
  }

  /** Streams open now. */
  get open_streams(): number {
    return this.total;
  }
}
