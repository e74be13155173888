// The ledger in PostgreSQL (`--database postgres://…`): one linear hash chain that every
// coordinator on every machine appends to. Each append locks the single head row
// (SELECT … FOR UPDATE), chains the entry to it (the same chainLine as the file ledger),
// inserts it at seq + 1 and moves the head, in one transaction. UNIQUE(prev_hash) makes a fork
// impossible by constraint, whatever a process does; a unique call id (the SHA-256 of the
// entry's input) makes a retried append (the commit landed, its answer was lost) return the
// stored entry instead of adding a second. `ledger export` writes the rows as the JSONL file of
// SPEC §6, which the file verifier checks the same way.
// With a signer, checkpoints are signed into `ledger_checkpoints` (postgres-ledger-checkpoints.ts).

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { canonicalJson } from '../../core/canonical-json.js';
import { SymbiontError } from '../../core/errors.js';
import { chainLine, GENESIS_HASH } from '../../core/hash-chain.js';
import { inputShapeProblem } from '../../core/ledger-entry-shape.js';
import { sha256Hex } from '../../core/sha256.js';
import type { Ledger, LedgerEntry, LedgerEntryInput } from '../../ports/ledger.js';
import { openPostgresPool, type PostgresPool } from '../stores/postgres-connection.js';
import { ensurePostgresSchema } from '../stores/postgres-schema.js';
import {
  type CheckpointPolicy,
  type CheckpointSigner,
  checkpointsPath,
  DEFAULT_CHECKPOINT_POLICY,
} from './ledger-checkpoints.js';
import type { LedgerFileVerdict } from './ledger-file-reader.js';
import { ensureCheckpointTable, PostgresCheckpointer, signedSeq } from './postgres-ledger-checkpoints.js';
import { type PostgresVerifyOptions, verifyPostgresLedger } from './postgres-ledger-verify.js';

const PAGE = 1000;

function ledgerError(safeUrl: string, error: unknown): SymbiontError {
  if (error instanceof SymbiontError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  return new SymbiontError('LEDGER_WRITE', `could not append to the ledger in ${safeUrl}: ${message}`, {
    cause: error,
    retryable: true,
    context: { database: safeUrl, ...(typeof code === 'string' ? { pgCode: code } : {}) },
  });
}

/** The idempotency key of an append: the same input is the same call. */
export function callIdOf(input: LedgerEntryInput): string {
  return sha256Hex(canonicalJson(input));
}

export interface PostgresLedgerOptions {
  /** A pool shared with the store; closed by its owner. Default: one of the ledger's own. */
  readonly pool?: PostgresPool;
  /** Signs checkpoints into `ledger_checkpoints` (every N entries, T ms, at close). Default: none. */
  readonly signer?: CheckpointSigner;
  /** Default: every 1,000 entries or 10 s after the first unsigned one, as the file ledger. */
  readonly checkpointPolicy?: CheckpointPolicy;
  /** Milliseconds since the epoch, for the checkpoints' time. Default: Date.now. */
  readonly now?: () => number;
  /** Told about a missed checkpoint or a contradicted one. Default: process.emitWarning. */
  readonly onWarning?: (message: string) => void;
}

export class PostgresLedger implements Ledger {
  private closed = false;
  private readonly inflight = new Set<Promise<LedgerEntry>>();

  private constructor(
    readonly database: PostgresPool,
    private readonly ownsPool: boolean,
    private readonly checkpointer: PostgresCheckpointer | undefined,
  ) {}

  /**
   * Opens (creating the tables when missing) the ledger of the database at `url`. With a
   * signer, a ledger that ends before its last checkpoint or differs from it opens but
   * refuses appends (LEDGER_CORRUPT), as the file ledger does.
   */
  static async open(url: string, options: PostgresLedgerOptions = {}): Promise<PostgresLedger> {
    const database = options.pool ?? openPostgresPool(url);
    let checkpointer: PostgresCheckpointer | undefined;
    try {
      await ensurePostgresSchema(database);
      await ensureCheckpointTable(database);
      await database.pool.query(
        'INSERT INTO ledger_head (id, seq, hash) VALUES (1, 0, $1) ON CONFLICT (id) DO NOTHING',
        [GENESIS_HASH],
      );
      if (options.signer) {
        checkpointer = new PostgresCheckpointer(database, {
          signer: options.signer,
          policy: options.checkpointPolicy ?? DEFAULT_CHECKPOINT_POLICY,
          now: options.now ?? Date.now,
          onWarning:
            options.onWarning ?? ((message) => process.emitWarning(message, 'SymbiontLedgerWarning')),
        });
        await checkpointer.check();
      }
    } catch (error) {
      if (options.pool === undefined) await database.close().catch(() => {});
      throw ledgerError(database.safeUrl, error);
    }
    return new PostgresLedger(database, options.pool === undefined, checkpointer);
  }

  async append(input: LedgerEntryInput): Promise<LedgerEntry> {
    const problem = inputShapeProblem(input);
    if (problem) throw new SymbiontError('INVALID_ARGUMENT', `cannot ledger this call: ${problem}`);
    if (this.closed) throw new SymbiontError('LEDGER_WRITE', 'the ledger is closed');
    const failure = this.checkpointer?.failure;
    if (failure) throw failure;
    // close() waits for appends under way, so that its checkpoint covers them.
    const work = this.store(input);
    this.inflight.add(work);
    try {
      return await work;
    } finally {
      this.inflight.delete(work);
    }
  }

  private async store(input: LedgerEntryInput): Promise<LedgerEntry> {
    const callId = callIdOf(input);
    let signed: number | undefined;
    let entry: LedgerEntry;
    try {
      entry = await this.database.transaction(async (client) => {
        const head = await client.query<{ seq: string; hash: string }>(
          'SELECT seq, hash FROM ledger_head WHERE id = 1 FOR UPDATE',
        );
        const found = await client.query<{ line: string }>(
          'SELECT line FROM ledger_entries WHERE call_id = $1',
          [callId],
        );
        if (found.rows[0] !== undefined) return JSON.parse(found.rows[0].line) as LedgerEntry;
        const row = head.rows[0]!;
        const { entry, line } = chainLine({ seq: Number(row.seq), hash: row.hash }, input);
        await client.query(
          'INSERT INTO ledger_entries (seq, prev_hash, hash, call_id, line) VALUES ($1, $2, $3, $4, $5)',
          [entry.seq, entry.prev_hash, entry.hash, callId, line],
        );
        await client.query('UPDATE ledger_head SET seq = $1, hash = $2 WHERE id = 1', [
          entry.seq,
          entry.hash,
        ]);
        // Under the head lock: no checkpoint can be added before this one commits.
        if (this.checkpointer) signed = await signedSeq(client);
        return entry;
      });
    } catch (error) {
      throw ledgerError(this.database.safeUrl, error);
    }
    if (signed !== undefined) await this.checkpointer?.afterAppend(entry.seq, signed);
    return entry;
  }

  /** The number of entries and the head (seq 0 and GENESIS_HASH when empty). */
  async head(): Promise<{ seq: number; hash: string }> {
    const found = await this.database.pool.query<{ seq: string; hash: string }>(
      'SELECT seq, hash FROM ledger_head WHERE id = 1',
    );
    const row = found.rows[0];
    return row === undefined ? { seq: 0, hash: GENESIS_HASH } : { seq: Number(row.seq), hash: row.hash };
  }

  /** Every stored line in seq order, a page at a time. */
  async *lines(): AsyncGenerator<string> {
    let after = 0;
    for (;;) {
      const page = await this.database.pool.query<{ seq: string; line: string }>(
        'SELECT seq, line FROM ledger_entries WHERE seq > $1 ORDER BY seq LIMIT $2',
        [after, PAGE],
      );
      for (const row of page.rows) yield row.line;
      if (page.rows.length < PAGE) return;
      after = Number(page.rows.at(-1)!.seq);
    }
  }

  /**
   * Checks the stored chain line by line with the file verifier and against the head row; with
   * a public key, against the signed checkpoints too (`signed`), as `ledger verify` does a file.
   */
  verify(options: PostgresVerifyOptions = {}): Promise<LedgerFileVerdict> {
    return verifyPostgresLedger(this.database, options);
  }

  /**
   * Writes the signed checkpoints beside a ledger file to be exported at `path`
   * (`<name>.checkpoints.jsonl`, what `ledger verify --file --key` reads); returns how many, and
   * writes no file when there are none. Call it before exportTo: checkpoints read first cover
   * only entries the export then holds.
   */
  async exportCheckpointsTo(path: string): Promise<number> {
    const rows = await this.database.pool.query<{ line: string }>(
      'SELECT line FROM ledger_checkpoints ORDER BY seq',
    );
    if (rows.rows.length === 0) return 0;
    const text = rows.rows.map((row) => `${row.line}\n`).join('');
    await writeFile(checkpointsPath(path), text, { flag: 'wx', mode: 0o600 });
    return rows.rows.length;
  }

  /** Writes the chain as a JSONL ledger file (SPEC §6) at `path`; returns the entries written. */
  async exportTo(path: string): Promise<number> {
    const out = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    let count = 0;
    try {
      for await (const line of this.lines()) {
        if (!out.write(`${line}\n`)) await once(out, 'drain');
        count += 1;
      }
    } finally {
      out.end();
      await once(out, 'close');
    }
    return count;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inflight]);
    await this.checkpointer?.close();
    if (this.ownsPool) await this.database.close();
  }
}
