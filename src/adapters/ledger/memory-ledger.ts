// An in-memory Ledger with the same hash chain as the file ledger, for tests and benchmarks
// that need a ledger but not a disk. Nothing survives the process.
//
// Only the entries are kept: an entry's line is its JSON (its keys are in canonical order with
// `hash` last, and the shape check admits only primitive values), so the lines are made when
// asked for rather than held twice.

import { SymbiontError } from '../../core/errors.js';
import { chainEntry } from '../../core/hash-chain.js';
import { inputShapeProblem } from '../../core/ledger-entry-shape.js';
import type { Ledger, LedgerEntry, LedgerEntryInput } from '../../ports/ledger.js';

export class MemoryLedger implements Ledger {
  private readonly stored: LedgerEntry[] = [];
  private closed = false;

  async append(input: LedgerEntryInput): Promise<LedgerEntry> {
    const problem = inputShapeProblem(input);
    if (problem) throw new SymbiontError('INVALID_ARGUMENT', `cannot ledger this call: ${problem}`);
    if (this.closed) throw new SymbiontError('LEDGER_WRITE', 'the in-memory ledger is closed');
    // Frozen, so the entry handed back can be the one kept.
    const entry = Object.freeze(chainEntry(this.stored.at(-1) ?? null, input));
    this.stored.push(entry);
    return entry;
  }

  /** The entries appended so far, oldest first (copies, which callers may change). */
  entries(): LedgerEntry[] {
    return this.stored.map((entry) => ({ ...entry }));
  }

  /** The ledger as it would be on disk: one JSON line per entry. */
  lines(): string[] {
    return this.stored.map((entry) => JSON.stringify(entry));
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
