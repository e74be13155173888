// Signed checkpoints of the PostgreSQL ledger (table ledger_checkpoints) through
// `symbiont ledger verify --database URL --key PUB`: signed every N entries, on a timer and at
// close; a rewrite with recomputed hashes, a truncation, an emptied table, an unsigned tail and a
// forged checkpoint are each named; a second hash for a seq is refused by the table; and two
// processes signing at once never sign two hashes for one seq.

import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointsPath } from '../../src/adapters/ledger/ledger-checkpoints.js';
import { checkpointSigner, loadSigningKey } from '../../src/adapters/ledger/ledger-keys.js';
import { PostgresLedger } from '../../src/adapters/ledger/postgres-ledger.js';
import { withApp } from '../../src/app/compose.js';
import { type PostgresServer, startPostgres } from '../services/postgres.js';
import { makeLedgerKey, makeTempDir } from './fixtures/ledger-fixtures.js';
import { call, rewriteLedger, runAppender, runLedgerCli } from './postgres-fixtures.js';

let server: PostgresServer;
let key: ReturnType<typeof makeLedgerKey>;
let home: ReturnType<typeof makeTempDir>;

beforeAll(async () => {
  server = await startPostgres();
  key = makeLedgerKey();
  home = makeTempDir();
}, 60_000);
afterAll(() => {
  server?.stop();
  key?.remove();
  home?.remove();
});

const FAR = 3_600_000;

async function signingLedger(url: string, everyEntries = 1000, everyMs = FAR, warnings: string[] = []) {
  return PostgresLedger.open(url, {
    signer: checkpointSigner(loadSigningKey(key.privatePath, home.dir)),
    checkpointPolicy: { everyEntries, everyMs },
    onWarning: (message) => warnings.push(message),
  });
}

/** A database whose ledger holds `count` entries, signed at close. */
async function signedDatabase(name: string, count: number): Promise<string> {
  const url = server.createDatabase(name);
  const ledger = await signingLedger(url);
  for (let index = 0; index < count; index++) await ledger.append(call(`${name}-${index}`));
  await ledger.close();
  return url;
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The checkpoints as stored, with the hash of the entry at each one's seq. */
function checkpoints(url: string) {
  return withClient(url, async (client) => {
    const rows = await client.query<{ seq: string; line: string; entry_hash: string | null }>(
      `SELECT c.seq, c.line, e.hash AS entry_hash
         FROM ledger_checkpoints c LEFT JOIN ledger_entries e ON e.seq = c.seq ORDER BY c.seq`,
    );
    return rows.rows.map((row) => ({
      seq: Number(row.seq),
      entryHash: row.entry_hash,
      checkpoint: JSON.parse(row.line) as Record<string, unknown>,
    }));
  });
}

const verify = (url: string, ...extra: string[]) =>
  runLedgerCli(['verify', '--database', url, '--key', key.publicPath, ...extra]);

describe('signed checkpoints of the PostgreSQL ledger', () => {
  it('signs every N entries and at close, in the file format, and verify says verified (exit 0)', async () => {
    const url = server.createDatabase('every_n');
    const ledger = await signingLedger(url, 3);
    for (let index = 0; index < 7; index++) await ledger.append(call(`n${index}`));
    expect((await checkpoints(url)).map((row) => row.seq)).toEqual([3, 6]);
    await ledger.close();
    const rows = await checkpoints(url);
    expect(rows.map((row) => row.seq)).toEqual([3, 6, 7]);
    for (const row of rows) {
      expect(Object.keys(row.checkpoint).sort()).toEqual(['at', 'hash', 'key_id', 'seq', 'signature']);
      expect(row.checkpoint).toMatchObject({ seq: row.seq, hash: row.entryHash });
    }
    const verified = await verify(url);
    expect(verified.output).toMatch(
      /^ledger verified: entries 1\.\.7 match 3 signed checkpoint\(s\), the last signed at /,
    );
    expect(verified.exitCode).toBe(0);
    // The same key through SYMBIONT_LEDGER_KEY and the URL through SYMBIONT_DATABASE_URL.
    const fromEnv = await runLedgerCli(['verify'], {
      SYMBIONT_DATABASE_URL: url,
      SYMBIONT_LEDGER_KEY: key.publicPath,
    });
    expect(fromEnv.exitCode).toBe(0);
    // The export carries the checkpoints beside it: the file verifies with the same key.
    const path = join(home.dir, 'every-n.jsonl');
    const exported = await runLedgerCli(['export', '--database', url, '--out', path]);
    expect(exported.output).toContain('wrote 7 entries');
    expect(exported.output).toContain(`and 3 signed checkpoint(s) to ${checkpointsPath(path)}`);
    const file = await runLedgerCli(['verify', '--file', path, '--key', key.publicPath]);
    expect(file.output).toMatch(/^ledger verified: entries 1\.\.7 match 3 signed checkpoint\(s\)/);
    expect(file.exitCode).toBe(0);
  });

  it('signs a quiet tail after the interval, without waiting for close, and not again at close', async () => {
    const url = server.createDatabase('timer');
    const ledger = await signingLedger(url, 1000, 100);
    await ledger.append(call('t0'));
    await ledger.append(call('t1'));
    const until = Date.now() + 10_000;
    while ((await checkpoints(url)).length === 0 && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await checkpoints(url)).map((row) => row.seq)).toEqual([2]);
    await ledger.close();
    expect((await checkpoints(url)).map((row) => row.seq)).toEqual([2]);
  });

  it('calls entries appended after the last checkpoint an unsigned tail (exit 1 unless allowed)', async () => {
    const url = await signedDatabase('tail', 3);
    const unsigned = await PostgresLedger.open(url);
    await unsigned.append(call('late-1'));
    await unsigned.append(call('late-2'));
    await unsigned.close();
    const { output, exitCode } = await verify(url);
    expect(output).toMatch(
      /^unsigned tail: entries 4\.\.5 not covered by a checkpoint \(entries 1\.\.3 match/,
    );
    expect(exitCode).toBe(1);
    expect((await verify(url, '--allow-unsigned-tail')).exitCode).toBe(0);
    expect(JSON.parse((await verify(url, '--json')).output)).toMatchObject({
      ok: false,
      chain_ok: true,
      status: 'unsigned-tail',
      signed: { from: 4, to: 5, through: 3 },
    });
  });

  it('names a rewrite of the table with recomputed hashes, and a signing writer refuses it', async () => {
    const url = await signedDatabase('rewrite', 5);
    await withClient(url, (client) =>
      rewriteLedger(client, (records) =>
        records.map((record, index) => (index === 1 ? { ...record, cost_usd: 0 } : record)),
      ),
    );
    const reader = await PostgresLedger.open(url);
    expect(await reader.verify()).toMatchObject({ ok: true, entries: 5 });
    await reader.close();
    const { output, exitCode } = await verify(url);
    expect(output).toContain('ledger differs from a signed checkpoint at line 5');
    expect(output).toContain('the history after seq 0 was rewritten, even if its hashes were recomputed');
    expect(exitCode).toBe(1);
    // A writer with the key does not sign over it: appends are refused, nothing is signed.
    const warnings: string[] = [];
    const writer = await signingLedger(url, 1, FAR, warnings);
    await expect(writer.append(call('after'))).rejects.toMatchObject({ code: 'LEDGER_CORRUPT' });
    await writer.close();
    expect(warnings.join('\n')).toMatch(
      /contradicts its last signed checkpoint: its entry of seq 5 is not the one signed/,
    );
    expect((await checkpoints(url)).map((row) => row.seq)).toEqual([5]);
  });

  it('does not sign over an edited entry after the last checkpoint, and refuses further appends', async () => {
    const url = await signedDatabase('edited_tail', 3);
    const unsigned = await PostgresLedger.open(url);
    await unsigned.append(call('late-1'));
    await unsigned.append(call('late-2'));
    await unsigned.close();
    await withClient(url, (client) =>
      client.query(
        `UPDATE ledger_entries SET line = replace(line, '"cost_usd":0.5', '"cost_usd":0.1') WHERE seq = 4`,
      ),
    );
    const warnings: string[] = [];
    const writer = await signingLedger(url, 1, FAR, warnings);
    await writer.append(call('after'));
    await expect(writer.append(call('refused'))).rejects.toMatchObject({ code: 'LEDGER_CORRUPT' });
    await writer.close();
    expect(warnings.join('\n')).toMatch(/do not chain onto the one signed at .*: entry 4: hash mismatch/);
    expect((await checkpoints(url)).map((row) => row.seq)).toEqual([3]);
    const { output, exitCode } = await verify(url);
    expect(output).toBe('ledger broken at entry 4: hash mismatch (entry was edited)\n');
    expect(exitCode).toBe(1);
  });

  it('names a truncation with the head row rewritten, one without, and an emptied ledger', async () => {
    const url = await signedDatabase('truncate', 5);
    await withClient(url, async (client) => {
      await client.query('DELETE FROM ledger_entries WHERE seq > 3');
      await client.query(
        'UPDATE ledger_head SET seq = 3, hash = (SELECT hash FROM ledger_entries WHERE seq = 3) WHERE id = 1',
      );
    });
    let { output, exitCode } = await verify(url);
    expect(output).toContain('the ledger ends at seq 3 but a checkpoint signed at');
    expect(output).toContain('covers seq 5 (entries were truncated)');
    expect(exitCode).toBe(1);
    const warnings: string[] = [];
    const writer = await signingLedger(url, 1, FAR, warnings);
    await expect(writer.append(call('after'))).rejects.toMatchObject({ code: 'LEDGER_CORRUPT' });
    await writer.close();
    expect(warnings.join('\n')).toMatch(/it ends at seq 3 but the checkpoint signed at .* covers seq 5/);

    const cut = await signedDatabase('truncate_no_head', 5);
    await withClient(cut, (client) => client.query('DELETE FROM ledger_entries WHERE seq > 3'));
    ({ output, exitCode } = await verify(cut));
    expect(output).toBe(
      'ledger broken at entry 4: the head row says seq 5, the entries end at seq 3 (entries were deleted)\n',
    );
    expect(exitCode).toBe(1);

    const emptied = await signedDatabase('emptied', 2);
    await withClient(emptied, (client) => rewriteLedger(client, () => []));
    ({ output, exitCode } = await verify(emptied));
    expect(output).toMatch(
      /the ledger is empty but a checkpoint signed at .* covers seq 2 \(the entries were deleted\)/,
    );
    expect(exitCode).toBe(1);
  });

  it('refuses a second hash for a seq by constraint, and names a forged or deleted checkpoint', async () => {
    const url = await signedDatabase('forged', 3);
    const [row] = await checkpoints(url);
    const forged = { ...row!.checkpoint, hash: 'f'.repeat(64) };
    await withClient(url, async (client) => {
      await expect(
        client.query('INSERT INTO ledger_checkpoints (seq, line) VALUES (3, $1)', [JSON.stringify(forged)]),
      ).rejects.toThrow(/ledger_checkpoints_pkey/);
      await client.query('UPDATE ledger_checkpoints SET line = $1 WHERE seq = 3', [JSON.stringify(forged)]);
    });
    let { output, exitCode } = await verify(url);
    expect(output).toBe(
      'ledger unverifiable: checkpoint line 1: the signature does not verify (the checkpoint was forged or edited)\n',
    );
    expect(exitCode).toBe(1);
    await withClient(url, (client) => client.query('DELETE FROM ledger_checkpoints'));
    ({ output, exitCode } = await verify(url));
    expect(output).toMatch(
      /^ledger unverifiable: no signed checkpoint \(the table ledger_checkpoints is empty\)/,
    );
    expect(exitCode).toBe(1);
  });

  it('the app wires the key to the PostgreSQL ledger: app.verifyLedger (GET /ledger/verify) says signed: verified', async () => {
    const url = await signedDatabase('app', 2);
    const config = { databaseUrl: url, home: home.dir, provider: 'simulated', onWarning: () => {} };
    const signed = await withApp({ ...config, ledgerKey: key.privatePath }, (app) => app.verifyLedger());
    expect(signed).toMatchObject({ ok: true, entries: 2, signed: { status: 'verified', through: 2 } });
    const unkeyed = await withApp(config, (app) => app.verifyLedger());
    expect(unkeyed).toMatchObject({
      ok: true,
      signed: { status: 'unverifiable', detail: 'no ledger key is configured (SYMBIONT_LEDGER_KEY)' },
    });
  });

  it('concurrent appends in one process sign each seq once, in order', async () => {
    const url = server.createDatabase('one_process');
    const warnings: string[] = [];
    const ledger = await signingLedger(url, 3, FAR, warnings);
    // Four waves of ten appends at once: a wave may be written as one batch, and then signed
    // once, but every wave leaves at least three entries to sign.
    for (let wave = 0; wave < 4; wave++) {
      await Promise.all(
        Array.from({ length: 10 }, (_, index) => ledger.append(call(`p${wave * 10 + index}`))),
      );
    }
    await ledger.close();
    const rows = await checkpoints(url);
    expect(rows.length).toBeGreaterThanOrEqual(4);
    expect(rows.map((row) => row.seq)).toEqual([...rows.map((row) => row.seq)].sort((a, b) => a - b));
    expect(rows.at(-1)!.seq).toBe(40);
    for (const row of rows) expect(row.checkpoint).toMatchObject({ seq: row.seq, hash: row.entryHash });
    expect(warnings).toEqual([]);
    expect((await verify(url)).exitCode).toBe(0);
  });

  it("two processes appending and signing at once: every checkpoint signs its seq's entry, and verify passes", async () => {
    const url = server.createDatabase('two_signers');
    const signing: [string, number, number] = [key.privatePath, 5, 30];
    const [first, second] = await Promise.all([
      runAppender(url, 'a', 4_000, signing),
      runAppender(url, 'b', 4_000, signing),
    ]);
    expect(first.count).toBeGreaterThan(0);
    expect(second.count).toBeGreaterThan(0);
    expect(first.stderr + second.stderr).toBe('');
    const rows = await checkpoints(url);
    expect(rows.length).toBeGreaterThan(2);
    for (const [index, row] of rows.entries()) {
      expect(row.checkpoint).toMatchObject({ seq: row.seq, hash: row.entryHash });
      if (index > 0) expect(row.seq).toBeGreaterThan(rows[index - 1]!.seq);
    }
    expect(rows.at(-1)!.seq).toBe(first.count + second.count);
    const { output, exitCode } = await verify(url);
    expect(output).toMatch(
      new RegExp(
        `^ledger verified: entries 1\\.\\.${first.count + second.count} match ${rows.length} signed`,
      ),
    );
    expect(exitCode).toBe(0);
  }, 60_000);
});
