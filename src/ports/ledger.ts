// The ledger port: one append-only, hash-chained entry per model call (SPEC §6).

import type { LedgerEntry, LedgerEntryInput } from '../core/ledger-entry.js';

export type { CostSource, LedgerEntry, LedgerEntryInput } from '../core/ledger-entry.js';

export interface Ledger {
  /**
   * Appends one entry. Resolves once it is durable (fsync, batched with concurrent appends);
   * rejects with a LEDGER_WRITE SymbiontError if it could not be written. Never swallows.
   */
  append(entry: LedgerEntryInput): Promise<LedgerEntry>;
  /** Flushes pending appends and releases the file. */
  close(): Promise<void>;
}
