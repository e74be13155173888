import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { checkpointsPath } from '../../src/adapters/ledger/ledger-checkpoints.js';
import { readLedgerEntries, verifyLedgerFile } from '../../src/adapters/ledger/ledger-file-reader.js';
import { loadVerifyingKey } from '../../src/adapters/ledger/ledger-keys.js';
import { makeLedgerKey, makeTempDir, readLines } from './fixtures/ledger-fixtures.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function runWorker(
  path: string,
  count: number,
  label: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; output: string }> {
  const worker = join(import.meta.dirname, 'fixtures', 'append-worker.ts');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', worker, path, String(count), label], {
      cwd: join(import.meta.dirname, '../..'),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

it('keeps one valid chain when two processes append to the same ledger at once', async () => {
  const temp = makeTempDir();
  cleanups.push(temp.remove);
  const results = await Promise.all([
    runWorker(temp.ledgerPath, 300, 'first'),
    runWorker(temp.ledgerPath, 300, 'second'),
  ]);
  for (const result of results) expect(result).toMatchObject({ code: 0 });
  expect(await verifyLedgerFile(temp.ledgerPath)).toMatchObject({ ok: true, entries: 600, lastSeq: 600 });
  const entries = await readLedgerEntries(temp.ledgerPath);
  expect(entries.filter((entry) => entry.task_id === 'first')).toHaveLength(300);
  expect(entries.filter((entry) => entry.task_id === 'second')).toHaveLength(300);
});

it('keeps the signed checkpoints in order when two signing processes share the ledger', async () => {
  const temp = makeTempDir();
  const key = makeLedgerKey();
  cleanups.push(temp.remove, key.remove);
  const env = { KEY: key.privatePath };
  const results = await Promise.all([
    runWorker(temp.ledgerPath, 200, 'first', env),
    runWorker(temp.ledgerPath, 200, 'second', env),
  ]);
  for (const result of results) expect(result).toMatchObject({ code: 0 });
  const seqs = readLines(checkpointsPath(temp.ledgerPath)).map(
    (line) => (JSON.parse(line) as { seq: number }).seq,
  );
  expect(seqs.length).toBeGreaterThanOrEqual(4);
  expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  expect(seqs.at(-1)).toBe(400);
  const verdict = await verifyLedgerFile(temp.ledgerPath, { publicKey: loadVerifyingKey(key.publicPath) });
  expect(verdict.signed).toMatchObject({ status: 'verified', through: 400 });
});
