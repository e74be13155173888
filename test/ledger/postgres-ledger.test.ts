// The PostgreSQL ledger: one linear chain however many processes append at once, a fork refused
// by the database itself, idempotent appends, a verify that finds an edit or a deletion, and an
// export the file verifier accepts.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedgerFile } from '../../src/adapters/ledger/ledger-file-reader.js';
import { PostgresLedger } from '../../src/adapters/ledger/postgres-ledger.js';
import { type PostgresServer, startPostgres } from '../services/postgres.js';
import { call, runAppender, runLedgerCli } from './postgres-fixtures.js';

let server: PostgresServer;
let directory: string;

beforeAll(async () => {
  server = await startPostgres();
  directory = mkdtempSync(join(tmpdir(), 'symbiont-pg-ledger-'));
}, 60_000);
afterAll(() => {
  server?.stop();
  rmSync(directory, { recursive: true, force: true });
});

describe('postgres ledger', () => {
  it('two processes appending at once for 12 s form one verified chain with no gap', async () => {
    const url = server.createDatabase('two_writers');
    const [{ count: first }, { count: second }] = await Promise.all([
      runAppender(url, 'a', 12_000),
      runAppender(url, 'b', 12_000),
    ]);
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(0);
    const ledger = await PostgresLedger.open(url);
    try {
      const verdict = await ledger.verify();
      expect(verdict).toMatchObject({ ok: true, entries: first + second, lastSeq: first + second });
      const lines = [];
      for await (const line of ledger.lines())
        lines.push(JSON.parse(line) as { seq: number; subtask_id: string });
      expect(lines.map((entry) => entry.seq)).toEqual(lines.map((_, position) => position + 1));
      // Both writers' entries interleave in the one chain.
      expect(lines.filter((entry) => entry.subtask_id.startsWith('a-'))).toHaveLength(first);
      expect(lines.filter((entry) => entry.subtask_id.startsWith('b-'))).toHaveLength(second);
    } finally {
      await ledger.close();
    }
  }, 60_000);

  it('chains concurrent appends in one process too, and exports a file the file verifier accepts', async () => {
    const url = server.createDatabase('export');
    const ledger = await PostgresLedger.open(url);
    try {
      const entries = await Promise.all(
        Array.from({ length: 40 }, (_, index) => ledger.append(call(`s${index}`))),
      );
      expect(entries.map((entry) => entry.seq).sort((a, b) => a - b)).toEqual(
        entries.map((_, index) => index + 1),
      );
      const path = join(directory, 'export.jsonl');
      expect(await ledger.exportTo(path)).toBe(40);
      const fileVerdict = await verifyLedgerFile(path);
      expect(fileVerdict).toMatchObject({ ok: true, entries: 40, lastHash: (await ledger.head()).hash });
      expect(readFileSync(path, 'utf8').split('\n')).toHaveLength(41);
    } finally {
      await ledger.close();
    }
  });

  it('makes a retried append of the same call idempotent', async () => {
    const ledger = await PostgresLedger.open(server.createDatabase('idempotent'));
    try {
      const first = await ledger.append(call('once'));
      const again = await ledger.append(call('once'));
      expect(again).toEqual(first);
      expect((await ledger.head()).seq).toBe(1);
    } finally {
      await ledger.close();
    }
  });

  it('refuses a fork by constraint and finds an edited or deleted entry', async () => {
    const url = server.createDatabase('tamper');
    const ledger = await PostgresLedger.open(url);
    const client = new pg.Client(url);
    await client.connect();
    try {
      for (let index = 0; index < 5; index++) await ledger.append(call(`t${index}`));
      expect(await ledger.verify()).toMatchObject({ ok: true, entries: 5 });
      // A second entry after entry 2 (a fork) is refused by UNIQUE(prev_hash).
      const second = await client.query<{ hash: string; line: string }>(
        'SELECT hash, line FROM ledger_entries WHERE seq = 2',
      );
      await expect(
        client.query(
          'INSERT INTO ledger_entries (seq, prev_hash, hash, call_id, line) VALUES (99, $1, $2, $3, $4)',
          [second.rows[0]!.hash, 'f'.repeat(64), 'fork', second.rows[0]!.line],
        ),
      ).rejects.toThrow(/prev_hash/);
      await client.query(
        `UPDATE ledger_entries SET line = replace(line, '"cost_usd":0.5', '"cost_usd":0.1') WHERE seq = 3`,
      );
      expect(await ledger.verify()).toMatchObject({ ok: false, line: 3, problem: 'hash' });
      await client.query(
        `UPDATE ledger_entries SET line = replace(line, '"cost_usd":0.1', '"cost_usd":0.5') WHERE seq = 3`,
      );
      await client.query('DELETE FROM ledger_entries WHERE seq = 5');
      expect(await ledger.verify()).toMatchObject({ ok: false, problem: 'head', entries: 4 });
    } finally {
      await client.end();
      await ledger.close();
    }
  });

  it('symbiont ledger verify --database without a key: the chain is intact but unverifiable (exit 1), as for a file; ledger export', async () => {
    const url = server.createDatabase('cli');
    const ledger = await PostgresLedger.open(url);
    for (let index = 0; index < 3; index++) await ledger.append(call(`c${index}`));
    const head = await ledger.head();
    await ledger.close();
    const run = runLedgerCli;
    const unverifiable = await run(['verify'], { SYMBIONT_DATABASE_URL: url });
    expect(unverifiable).toEqual({
      exitCode: 1,
      output:
        `ledger unverifiable: the chain is intact (3 entries, last hash ${head.hash}) but no public key was given ` +
        '(--key PUB, or SYMBIONT_LEDGER_KEY): a history rewritten with fresh hashes would look the same\n',
    });
    const json = JSON.parse((await run(['verify', '--database', url, '--json'])).output) as object;
    expect(json).toMatchObject({ ok: false, chain_ok: true, status: 'unverifiable', entries: 3, lastSeq: 3 });
    const path = join(directory, 'cli-export.jsonl');
    expect((await run(['export', '--database', url, '--out', path])).output).toMatch(/wrote 3 entries/);
    expect(await verifyLedgerFile(path)).toMatchObject({ ok: true, entries: 3 });
    await expect(run(['export', '--out', path])).rejects.toThrow(/needs --database/);
  });
});
