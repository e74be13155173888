// Said at start when the task database never held a task while the ledger records calls: the
// database was deleted or replaced (tasks lost), or the ledger belongs to another home. Either
// way it must not be used silently.

import type { SqliteTaskStore } from './sqlite-store.js';

export function newStoreWarning(
  store: SqliteTaskStore,
  paths: { database: string; ledger: string },
  ledgerEntries: number,
): string | undefined {
  if (ledgerEntries === 0 || !store.neverHeldTasks()) return undefined;
  return (
    `the task database ${paths.database} has never held a task, but the ledger ${paths.ledger} records ` +
    `${ledgerEntries} model call(s): the database was deleted or replaced (its tasks are gone; restore it from a backup), ` +
    'or the ledger belongs elsewhere (move it aside to start afresh)'
  );
}
