// The ledger of a reading command (`tasks`, `show`): never opened for appends, so no lock file
// and no head are written and a read-only data directory is enough. Any append is refused.

import { SymbiontError } from '../../core/errors.js';
import type { Ledger, LedgerEntry } from '../../ports/ledger.js';

export class ReadOnlyLedger implements Ledger {
  constructor(readonly path: string) {}

  async append(): Promise<LedgerEntry> {
    throw new SymbiontError('LEDGER_WRITE', `ledger ${this.path} is open for reading only`, {
      context: { path: this.path },
    });
  }

  async close(): Promise<void> {}
}
