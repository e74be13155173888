// Verifies the ledger stored in PostgreSQL as `ledger verify` does a file: the chain line by line
// (ChainVerifier), the head row, and, with a public key, the signed checkpoints of
// `ledger_checkpoints` (CheckpointJudge). Head, checkpoints and entries are read in one
// REPEATABLE READ snapshot, so that writers appending and signing meanwhile are not mistaken
// for a truncation or a rewrite.

import type { KeyObject } from 'node:crypto';
import { type ChainVerdict, ChainVerifier } from '../../core/chain-verifier.js';
import { CheckpointJudge } from '../../core/checkpoint-verdict.js';
import { GENESIS_HASH } from '../../core/hash-chain.js';
import type { PostgresPool } from '../stores/postgres-connection.js';
import type { LedgerFileVerdict } from './ledger-file-reader.js';
import { readCheckpointRows } from './postgres-ledger-checkpoints.js';

const PAGE = 1000;

export interface PostgresVerifyOptions {
  /** Checks the chain against the checkpoints this key signed. */
  readonly publicKey?: KeyObject;
}

/** `path` is the database URL without its password; `head` the head row. */
export async function verifyPostgresLedger(
  database: PostgresPool,
  options: PostgresVerifyOptions = {},
): Promise<LedgerFileVerdict> {
  const client = await database.pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const found = await client.query<{ seq: string; hash: string }>(
      'SELECT seq, hash FROM ledger_head WHERE id = 1',
    );
    const row = found.rows[0];
    const head =
      row === undefined ? { seq: 0, hash: GENESIS_HASH } : { seq: Number(row.seq), hash: row.hash };
    const judge = options.publicKey
      ? new CheckpointJudge(options.publicKey, {
          noCheckpoints: 'the table ledger_checkpoints is empty',
          emptied: 'the entries were deleted',
        })
      : undefined;
    if (judge) for (const line of await readCheckpointRows(client)) judge.addCheckpoint(line);
    const verifier = new ChainVerifier();
    let read = 0;
    let after = 0;
    // The head bounds the read: entries beyond it were not appended through the head lock.
    reading: while (read < head.seq) {
      const page = await client.query<{ seq: string; line: string }>(
        'SELECT seq, line FROM ledger_entries WHERE seq > $1 ORDER BY seq LIMIT $2',
        [after, PAGE],
      );
      for (const entry of page.rows) {
        if (read === head.seq) break reading;
        read += 1;
        const outcome = verifier.push(entry.line);
        if (!outcome.ok) break reading;
        judge?.see(outcome.entry.seq, outcome.entry.hash, verifier.position.line);
      }
      if (page.rows.length < PAGE) break;
      after = Number(page.rows.at(-1)!.seq);
    }
    await client.query('COMMIT');
    const chain = againstHead(verifier.finish(), head);
    const verdict: LedgerFileVerdict = { ...chain, path: database.safeUrl, head, warnings: [] };
    if (judge) verdict.signed = judge.finish(verifier.position.seq);
    return verdict;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

function againstHead(verdict: ChainVerdict, head: { seq: number; hash: string }): ChainVerdict {
  if (!verdict.ok || (verdict.lastSeq === head.seq && verdict.lastHash === head.hash)) return verdict;
  const detail =
    verdict.lastSeq === head.seq
      ? `the head row's hash for seq ${head.seq} is not the last entry's (the head or the entries were rewritten)`
      : `the head row says seq ${head.seq}, the entries end at seq ${verdict.lastSeq} (entries were deleted)`;
  return {
    ok: false,
    line: verdict.entries + 1,
    problem: 'head',
    detail,
    reason: `line ${verdict.entries + 1}: ${detail}`,
    entries: verdict.entries,
  };
}
