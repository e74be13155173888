// With a database URL (`--database postgres://…`, SYMBIONT_DATABASE_URL) the app keeps its
// tasks and its ledger in PostgreSQL, one pool for both, so that several processes on several
// machines share them. This builds the store and ledger and the two ledger reads the app
// offers (verify, cost report) over the PostgreSQL chain.

import type { KeyObject } from 'node:crypto';
import type { CheckpointSigner } from '../adapters/ledger/ledger-checkpoints.js';
import type { LedgerCostReport, LedgerFileVerdict } from '../adapters/ledger/ledger-file-reader.js';
import { PostgresLedger } from '../adapters/ledger/postgres-ledger.js';
import { openPostgresPool, type PostgresPool } from '../adapters/stores/postgres-connection.js';

export { checkPostgres } from '../adapters/stores/postgres-connection.js';

import { openPostgresStore } from '../adapters/stores/postgres-store.js';
import { CostAggregator, type CostDimension } from '../core/cost-report.js';
import type { LedgerEntry } from '../ports/ledger.js';
import type { TaskStore } from '../ports/task-store.js';

export interface PostgresBacking {
  store: TaskStore;
  ledger: PostgresLedger;
  /** The pool store and ledger share (the BullMQ executor reads call results through it). */
  pool: PostgresPool;
  /** The URL without its password. */
  safeUrl: string;
  verify(): Promise<LedgerFileVerdict>;
  costReport(by: CostDimension): Promise<LedgerCostReport>;
  /** Closes store and ledger, then the pool they share. */
  close(): Promise<void>;
}

/** SYMBIONT_DATABASE_URL, or the flag; undefined for the embedded default (SQLite + JSONL). */
export function databaseUrlFrom(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const value = flag ?? env.SYMBIONT_DATABASE_URL;
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export interface PostgresBackingOptions {
  /** Signs the ledger's checkpoints (the key's private half). Default: none. */
  readonly signer?: CheckpointSigner;
  /** Verifies them (the key's public half); verify says unverifiable without it. */
  readonly publicKey?: KeyObject;
  readonly onWarning?: (message: string) => void;
}

export async function openPostgresBacking(
  url: string,
  options: PostgresBackingOptions = {},
): Promise<PostgresBacking> {
  const pool = openPostgresPool(url);
  try {
    const store = await openPostgresStore(url, { pool });
    const ledger = await PostgresLedger.open(url, {
      pool,
      ...(options.signer ? { signer: options.signer } : {}),
      ...(options.onWarning ? { onWarning: options.onWarning } : {}),
    });
    const { publicKey } = options;
    const verify = async (): Promise<LedgerFileVerdict> => {
      const verdict = await ledger.verify(publicKey ? { publicKey } : {});
      return {
        ...verdict,
        signed: verdict.signed ?? {
          status: 'unverifiable',
          detail: 'no ledger key is configured (SYMBIONT_LEDGER_KEY)',
        },
      };
    };
    return {
      store,
      ledger,
      pool,
      safeUrl: pool.safeUrl,
      verify,
      async costReport(by) {
        const aggregator = new CostAggregator();
        let skipped = 0;
        for await (const line of ledger.lines()) {
          try {
            aggregator.add(JSON.parse(line) as LedgerEntry);
          } catch {
            skipped += 1;
          }
        }
        return { ...aggregator.report(by), chain: await verify(), skipped_lines: skipped };
      },
      async close() {
        await ledger.close();
        await store.close();
        await pool.close();
      },
    };
  } catch (error) {
    await pool.close().catch(() => {});
    throw error;
  }
}
