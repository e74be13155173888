// An in-memory Ledger with the same hash chain as the file ledger, for tests and benchmarks
// that need a ledger but not a disk. Nothing survives the process.

import { SymbiontError } from '../../core/errors.js';
import { chainEntry } from '../../core/hash-chain.js';
import type { Ledger, LedgerEntry, LedgerEntryInput } from '../../ports/ledger.js';

export class MemoryLedger implements Ledger {
  private readonly stored: LedgerEntry[] = [];
  private closed = false;

  async append(input: LedgerEntryInput): Promise<LedgerEntry> {
    if (this.closed) throw new SymbiontError('LEDGER_WRITE', 'the in-memory ledger is closed');
    const entry = chainEntry(this.stored.at(-1) ?? null, input);
    this.stored.push(entry);
    return entry;
  }

  /** The entries appended so far, oldest first (a copy). */
  entries(): LedgerEntry[] {
    return [...this.stored];
  }

  /** The ledger as it would be on disk: one JSON line per entry. */
  lines(): string[] {
    return this.stored.map((entry) => JSON.stringify(entry));
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
