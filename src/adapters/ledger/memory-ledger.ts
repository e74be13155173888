// An in-memory Ledger with the same hash chain as the file ledger, for tests and benchmarks
// that need a ledger but not a disk. Nothing survives the process.

import { SymbiontError } from '../../core/errors.js';
import { chainLine } from '../../core/hash-chain.js';
import { inputShapeProblem } from '../../core/ledger-entry-shape.js';
import type { Ledger, LedgerEntry, LedgerEntryInput } from '../../ports/ledger.js';

export class MemoryLedger implements Ledger {
  private readonly stored: LedgerEntry[] = [];
  private readonly storedLines: string[] = [];
  private closed = false;

  async append(input: LedgerEntryInput): Promise<LedgerEntry> {
    const problem = inputShapeProblem(input);
    if (problem) throw new SymbiontError('INVALID_ARGUMENT', `cannot ledger this call: ${problem}`);
    if (this.closed) throw new SymbiontError('LEDGER_WRITE', 'the in-memory ledger is closed');
    const { entry, line } = chainLine(this.stored.at(-1) ?? null, input);
    this.stored.push(entry);
    this.storedLines.push(line);
    return entry;
  }

  /** The entries appended so far, oldest first (a copy). */
  entries(): LedgerEntry[] {
    return [...this.stored];
  }

  /** The ledger as it would be on disk: one JSON line per entry. */
  lines(): string[] {
    return [...this.storedLines];
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
