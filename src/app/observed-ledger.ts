// A ledger decorator that tells listeners about every entry once it is durable (for
// /metrics and live cost displays). Listeners cannot affect the append.

import type { Ledger, LedgerEntry } from '../ports/ledger.js';

export type CallListener = (entry: LedgerEntry) => void;

export class ObservedLedger implements Ledger {
  private readonly listeners = new Set<CallListener>();

  constructor(private readonly inner: Ledger) {}

  observe(listener: CallListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async append(entry: Parameters<Ledger['append']>[0]): Promise<LedgerEntry> {
    const stored = await this.inner.append(entry);
    for (const listener of this.listeners) {
      try {
        listener(stored);
      } catch {
        // An observer's bug must not turn a durable call into a failed one.
      }
    }
    return stored;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
