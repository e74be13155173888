// The PostgreSQL ledger: one linear chain however many processes append at once, a fork refused
// by the database itself, idempotent appends, a verify that finds an edit or a deletion, and an
// export the file verifier accepts.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedgerFile } from '../../src/adapters/ledger/ledger-file-reader.js';
import { PostgresLedger } from '../../src/adapters/ledger/postgres-ledger.js';
import { ledgerCommand } from '../../src/cli/commands/ledger.js';
import type { LedgerEntryInput } from '../../src/ports/ledger.js';
import { type PostgresServer, startPostgres } from '../services/postgres.js';

const here = dirname(fileURLToPath(import.meta.url));
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

function call(name: string): LedgerEntryInput {
  return {
    timestamp: '2026-01-01T00:00:00.000Z',
    task_id: 'task-1',
    subtask_id: name,
    kind: 'subtask',
    attempt: 1,
    provider: 'simulated',
    model: 'sim-1',
    success: true,
    input_tokens: 1,
    output_tokens: 2,
    cost_usd: 0.5,
    cost_source: 'tokens',
    duration_ms: 3,
    error: null,
    prompt_preview: `prompt ${name}`,
  };
}

function runAppender(url: string, name: string, ms: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(here, 'pg-appender-process.ts'), url, name, String(ms)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('exit', (code) =>
      code === 0 ? resolve(Number(out.trim())) : reject(new Error(`appender ${name}: ${code} ${err}`)),
    );
  });
}

describe('postgres ledger', () => {
  it('two processes appending at once for 12 s form one verified chain with no gap', async () => {
    const url = server.createDatabase('two_writers');
    const [first, second] = await Promise.all([runAppender(url, 'a', 12_000), runAppender(url, 'b', 12_000)]);
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

  it('symbiont ledger verify --database and ledger export: verified, and the export verifies as a file', async () => {
    const url = server.createDatabase('cli');
    const ledger = await PostgresLedger.open(url);
    for (let index = 0; index < 3; index++) await ledger.append(call(`c${index}`));
    await ledger.close();
    const run = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
      let output = '';
      const command = ledgerCommand({ out: (text) => (output += text), env }).exitOverride();
      process.exitCode = undefined;
      await command.parseAsync(args, { from: 'user' });
      const exitCode = typeof process.exitCode === 'number' ? process.exitCode : 0;
      process.exitCode = undefined;
      return { output, exitCode };
    };
    const verified = await run(['verify'], { SYMBIONT_DATABASE_URL: url });
    expect(verified).toMatchObject({ exitCode: 0 });
    expect(verified.output).toMatch(/^ledger verified: one chain of 3 entries/);
    const path = join(directory, 'cli-export.jsonl');
    expect((await run(['export', '--database', url, '--out', path])).output).toMatch(/wrote 3 entries/);
    expect(await verifyLedgerFile(path)).toMatchObject({ ok: true, entries: 3 });
    await expect(run(['export', '--out', path])).rejects.toThrow(/needs --database/);
  });
});
