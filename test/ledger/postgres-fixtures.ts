// Shared by the PostgreSQL ledger tests: a sample call, a child process appending to the
// ledger (pg-appender-process.ts), `symbiont ledger …` run in-process, and a forger's rewrite of
// the ledger tables with recomputed hashes.

import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { ledgerCommand } from '../../src/cli/commands/ledger.js';
import { canonicalJson } from '../../src/core/canonical-json.js';
import { GENESIS_HASH, hashEntry } from '../../src/core/hash-chain.js';
import type { LedgerEntryInput } from '../../src/ports/ledger.js';

const here = dirname(fileURLToPath(import.meta.url));

export function call(name: string): LedgerEntryInput {
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

/** Appends for `ms` ms from a child process; `signing`: [private key, every N, every ms]. */
export function runAppender(
  url: string,
  name: string,
  ms: number,
  signing: [string, number, number] | [] = [],
): Promise<{ count: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const args = [join(here, 'pg-appender-process.ts'), url, name, String(ms), ...signing.map(String)];
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('exit', (code) =>
      code === 0
        ? resolve({ count: Number(out.trim()), stderr: err })
        : reject(new Error(`appender ${name}: ${code} ${err}`)),
    );
  });
}

/** `symbiont ledger <args>` in this process: its output and exit code. */
export async function runLedgerCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ output: string; exitCode: number }> {
  let output = '';
  const command = ledgerCommand({ out: (text) => (output += text), env }).exitOverride();
  process.exitCode = undefined;
  try {
    await command.parseAsync(args, { from: 'user' });
    return { output, exitCode: typeof process.exitCode === 'number' ? process.exitCode : 0 };
  } finally {
    process.exitCode = undefined;
  }
}

/**
 * Rewrites the ledger as a database admin could: `edit` changes the entries' records, then every
 * row gets a fresh seq, prev_hash and hash, and the head row follows, in one transaction.
 */
export async function rewriteLedger(
  client: pg.Client,
  edit: (records: Record<string, unknown>[]) => Record<string, unknown>[],
): Promise<void> {
  const rows = await client.query<{ line: string }>('SELECT line FROM ledger_entries ORDER BY seq');
  const records = edit(rows.rows.map((row) => JSON.parse(row.line) as Record<string, unknown>));
  await client.query('BEGIN');
  await client.query('DELETE FROM ledger_entries');
  let prev = GENESIS_HASH;
  for (const [index, record] of records.entries()) {
    const { hash: _old, ...rest } = record;
    const body = { ...rest, seq: index + 1, prev_hash: prev };
    const hash = hashEntry(prev, body);
    await client.query('INSERT INTO ledger_entries (seq, prev_hash, hash, line) VALUES ($1, $2, $3, $4)', [
      index + 1,
      prev,
      hash,
      canonicalJson({ ...body, hash }),
    ]);
    prev = hash;
  }
  await client.query('UPDATE ledger_head SET seq = $1, hash = $2 WHERE id = 1', [records.length, prev]);
  await client.query('COMMIT');
}
