// Signed checkpoints of the PostgreSQL ledger, in the table `ledger_checkpoints` of the same
// database: one row per checkpoint, its seq the primary key and its line the same canonical JSON
// the file ledger writes (ledger-checkpoint.ts). Every checkpoint is signed in a transaction
// that holds the lock the appends take (the ledger_head row, FOR UPDATE): whichever process
// signs, checkpoints are made in seq order, each over the head as it is then, and the primary
// key refuses a second hash for a seq whatever a process does. Before signing, the entries
// since the last checkpoint are checked to chain onto it: a rewrite or a cut is never signed.

import { canonicalJson } from '../../core/canonical-json.js';
import { ChainVerifier } from '../../core/chain-verifier.js';
import { SymbiontError } from '../../core/errors.js';
import type { ChainHead } from '../../core/hash-chain.js';
import { type Checkpoint, parseCheckpoint } from '../../core/ledger-checkpoint.js';
import type { PgClient, PostgresPool } from '../stores/postgres-connection.js';
import type { CheckpointPolicy, CheckpointSigner } from './ledger-checkpoints.js';

/**
 * Entries after the last checkpoint checked before signing, under the head lock: the whole
 * unsigned range with the default policy (1,000), bounded when writers without the key left more.
 */
const SEGMENT_LIMIT = 10_000;

/** Any constant other than the schema's: serializes creating the table. */
const CHECKPOINT_TABLE_LOCK = 0x5359_4d43;

const TABLE_SQL = `
  CREATE TABLE IF NOT EXISTS ledger_checkpoints (
    seq bigint PRIMARY KEY,
    line text NOT NULL
  );
`;

/** Creates `ledger_checkpoints` when missing (older databases have none; it is only added). */
export async function ensureCheckpointTable(database: PostgresPool): Promise<void> {
  await database.transaction(async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [CHECKPOINT_TABLE_LOCK]);
    await client.query(TABLE_SQL);
  });
}

/** The checkpoint lines in seq order, read by `client` (the verifier's snapshot). */
export async function readCheckpointRows(client: PgClient): Promise<string[]> {
  const rows = await client.query<{ line: string }>('SELECT line FROM ledger_checkpoints ORDER BY seq');
  return rows.rows.map((row) => row.line);
}

/** The seq the last checkpoint covers (0 without one); call after taking the head lock. */
export async function signedSeq(client: PgClient): Promise<number> {
  const found = await client.query<{ seq: string | null }>('SELECT max(seq) AS seq FROM ledger_checkpoints');
  return Number(found.rows[0]?.seq ?? 0);
}

export interface PostgresCheckpointerOptions {
  readonly signer: CheckpointSigner;
  readonly policy: CheckpointPolicy;
  readonly now: () => number;
  readonly onWarning: (message: string) => void;
}

export class PostgresCheckpointer {
  /** Set when the stored chain contradicts a checkpoint: the ledger refuses appends with it. */
  failure: SymbiontError | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  /** The highest seq this process knows a checkpoint covers. */
  private signedThrough = 0;

  constructor(
    private readonly database: PostgresPool,
    private readonly options: PostgresCheckpointerOptions,
  ) {}

  /** At open: refuses the ledger when it ends before, or differs at, the last checkpoint. */
  async check(): Promise<void> {
    await this.database.transaction(async (client) => {
      const head = await lockHead(client);
      const last = await lastCheckpoint(client);
      this.signedThrough = last?.seq ?? 0;
      const problem = last === undefined ? undefined : await contradiction(client, last, head, 0);
      if (problem !== undefined) this.fail(problem);
      else if (head.seq > this.signedThrough) this.schedule();
    });
  }

  /** After an append committed at `seq` while checkpoints covered `signed`: signs when due. */
  async afterAppend(seq: number, signed: number): Promise<void> {
    this.signedThrough = Math.max(this.signedThrough, signed);
    if (seq <= this.signedThrough) return;
    if (seq - this.signedThrough >= this.options.policy.everyEntries) await this.checkpoint();
    if (seq > this.signedThrough) this.schedule();
  }

  /** Stops the timer and signs the head when a checkpoint does not cover it yet. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    if (this.failure === undefined) await this.checkpoint();
  }

  private schedule(): void {
    if (this.timer !== undefined || this.closed || this.failure) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.closed) return;
      void this.checkpoint();
    }, this.options.policy.everyMs);
    this.timer.unref();
  }

  /** One checkpoint at a time per process; others wait for it (then their entries may be covered). */
  private checkpoint(): Promise<void> {
    this.running ??= this.signHead().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Never throws: the entries are stored either way; a missed checkpoint is a warning. */
  private async signHead(): Promise<void> {
    const { signer, now, onWarning } = this.options;
    try {
      await this.database.transaction(async (client) => {
        const head = await lockHead(client);
        const last = await lastCheckpoint(client);
        if (last === undefined ? head.seq === 0 : last.seq === head.seq && last.hash === head.hash) {
          this.signedThrough = Math.max(this.signedThrough, head.seq);
          return;
        }
        const problem =
          last === undefined ? undefined : await contradiction(client, last, head, SEGMENT_LIMIT);
        if (problem !== undefined) {
          this.fail(problem);
          return;
        }
        const checkpoint = signer.sign(head, new Date(now()).toISOString());
        const inserted = await client.query(
          'INSERT INTO ledger_checkpoints (seq, line) VALUES ($1, $2) ON CONFLICT (seq) DO NOTHING',
          [checkpoint.seq, canonicalJson(checkpoint)],
        );
        if (inserted.rowCount === 0) {
          onWarning(`a checkpoint of ledger seq ${head.seq} exists already; not signed a second time`);
        }
        this.signedThrough = Math.max(this.signedThrough, head.seq);
      });
    } catch (error) {
      onWarning(
        `could not write a ledger checkpoint in ${this.database.safeUrl} (${error instanceof Error ? error.message : String(error)}); the entries are stored and the next checkpoint will cover them`,
      );
    }
  }

  private fail(problem: string): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const message = `the ledger in ${this.database.safeUrl} contradicts its last signed checkpoint: ${problem}; appends are refused and nothing is signed (run \`symbiont ledger verify --database … --key PUB\`)`;
    this.failure ??= new SymbiontError('LEDGER_CORRUPT', message, {
      context: { database: this.database.safeUrl },
    });
    this.options.onWarning(message);
  }
}

async function lockHead(client: PgClient): Promise<ChainHead> {
  const found = await client.query<{ seq: string; hash: string }>(
    'SELECT seq, hash FROM ledger_head WHERE id = 1 FOR UPDATE',
  );
  const row = found.rows[0];
  if (row === undefined) throw new Error('the ledger_head row is missing');
  return { seq: Number(row.seq), hash: row.hash };
}

/**
 * The last well-formed checkpoint (its signature is not checked here: `ledger verify` does
 * that, and names a malformed row, which is skipped here as the file writer skips a torn line).
 */
async function lastCheckpoint(client: PgClient): Promise<Checkpoint | undefined> {
  const found = await client.query<{ line: string }>(
    'SELECT line FROM ledger_checkpoints ORDER BY seq DESC LIMIT 100',
  );
  for (const row of found.rows) {
    const parsed = parseCheckpoint(row.line);
    if (typeof parsed !== 'string') return parsed;
  }
  return undefined;
}

/**
 * Why the stored chain cannot be signed over `last`: it ends before it, its entry at that seq
 * has another hash, or the next `limit` entries (toward the head) do not chain onto that hash.
 */
async function contradiction(
  client: PgClient,
  last: Checkpoint,
  head: ChainHead,
  limit: number,
): Promise<string | undefined> {
  if (head.seq < last.seq) {
    return `it ends at seq ${head.seq} but the checkpoint signed at ${last.at} covers seq ${last.seq} (entries were truncated)`;
  }
  const rewritten = `the entries after seq ${last.seq} do not chain onto the one signed at ${last.at} (the history was rewritten)`;
  const at = await client.query<{ hash: string }>('SELECT hash FROM ledger_entries WHERE seq = $1', [
    last.seq,
  ]);
  if (last.seq > 0 && at.rows[0]?.hash !== last.hash) {
    return `its entry of seq ${last.seq} is not the one signed at ${last.at} (the history was rewritten)`;
  }
  if (limit === 0) return undefined;
  const verifier = new ChainVerifier({ start: { seq: last.seq, hash: last.hash, line: last.seq } });
  const until = Math.min(head.seq, last.seq + limit);
  const rows = await client.query<{ line: string }>(
    'SELECT line FROM ledger_entries WHERE seq > $1 AND seq <= $2 ORDER BY seq',
    [last.seq, until],
  );
  for (const row of rows.rows) {
    const outcome = verifier.push(row.line);
    if (!outcome.ok) return `${rewritten}: entry ${outcome.line}: ${outcome.detail}`;
  }
  const end = verifier.finish();
  if (!end.ok || end.lastSeq !== until) return `${rewritten}: entries are missing before seq ${until}`;
  if (until === head.seq && end.lastHash !== head.hash) return `${rewritten}: the head row differs`;
  return undefined;
}
