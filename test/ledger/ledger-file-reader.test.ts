import * as fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openFileLedger } from '../../src/adapters/ledger/file-ledger.js';
import {
  readLedgerEntries,
  reportLedgerFile,
  reportLedgerFileAll,
  verifyLedgerFile,
} from '../../src/adapters/ledger/ledger-file-reader.js';
import { makeTempDir, readLines, sampleInput, writeLines } from './fixtures/ledger-fixtures.js';

let temp: ReturnType<typeof makeTempDir>;
let lines: string[];

beforeEach(async () => {
  temp = makeTempDir();
  const ledger = await openFileLedger(temp.ledgerPath);
  await Promise.all(Array.from({ length: 12 }, (_, index) => ledger.append(sampleInput(index))));
  await ledger.close();
  lines = readLines(temp.ledgerPath);
});

afterEach(() => temp.remove());

describe('verifying a ledger file', () => {
  it('accepts a sound ledger with its head', async () => {
    const verdict = await verifyLedgerFile(temp.ledgerPath);
    const last = JSON.parse(lines[11]!) as { hash: string };
    expect(verdict).toMatchObject({ ok: true, entries: 12, lastSeq: 12, lastHash: last.hash, warnings: [] });
    expect(verdict.head).toEqual({ seq: 12, hash: last.hash, size: fs.statSync(temp.ledgerPath).size });
  });

  it('names an edited line', async () => {
    lines[6] = lines[6]!.replace('"success":true', '"success":false');
    writeLines(temp.ledgerPath, lines);
    expect(await verifyLedgerFile(temp.ledgerPath)).toMatchObject({
      ok: false,
      line: 7,
      reason: 'line 7: hash mismatch (entry was edited)',
    });
  });

  it('names the line where an entry was deleted', async () => {
    lines.splice(4, 1);
    writeLines(temp.ledgerPath, lines);
    expect(await verifyLedgerFile(temp.ledgerPath)).toMatchObject({
      ok: false,
      line: 5,
      reason: 'line 5: prev_hash does not match line 4 (an entry was deleted or reordered)',
    });
  });

  it('names the first of two swapped lines', async () => {
    [lines[8], lines[9]] = [lines[9]!, lines[8]!];
    writeLines(temp.ledgerPath, lines);
    expect(await verifyLedgerFile(temp.ledgerPath)).toMatchObject({ ok: false, line: 9, problem: 'link' });
  });

  it('names a line cut in half in the middle of the file', async () => {
    lines[2] = lines[2]!.slice(0, Math.floor(lines[2]!.length / 2));
    writeLines(temp.ledgerPath, lines);
    expect(await verifyLedgerFile(temp.ledgerPath)).toMatchObject({
      ok: false,
      line: 3,
      reason: 'line 3: not valid JSON (truncated or damaged line)',
    });
  });

  it('names the line after the last when trailing entries were dropped (seen through the head)', async () => {
    writeLines(temp.ledgerPath, lines.slice(0, 9));
    expect(await verifyLedgerFile(temp.ledgerPath)).toMatchObject({
      ok: false,
      line: 10,
      reason: 'line 10: ledger ends at seq 9 but its head records seq 12 (entries were truncated)',
    });
  });

  it('names a torn last line', async () => {
    fs.writeFileSync(temp.ledgerPath, `${lines.join('\n')}\n${lines[0]!.slice(0, 20)}`);
    expect(await verifyLedgerFile(temp.ledgerPath)).toMatchObject({ ok: false, line: 13, problem: 'json' });
  });

  it('names a last line that lost its newline', async () => {
    fs.writeFileSync(temp.ledgerPath, lines.join('\n'));
    expect(await verifyLedgerFile(temp.ledgerPath)).toMatchObject({
      ok: false,
      line: 12,
      problem: 'unterminated',
      entries: 11,
    });
  });

  it('accepts a ledger without a head file, warning that truncation cannot be seen', async () => {
    fs.rmSync(`${temp.ledgerPath}.head`);
    const verdict = await verifyLedgerFile(temp.ledgerPath);
    expect(verdict).toMatchObject({ ok: true, entries: 12, head: null });
    expect(verdict.warnings[0]).toContain('truncation of the last entries cannot be detected');
  });

  it('warns about and ignores an unreadable head file', async () => {
    fs.writeFileSync(`${temp.ledgerPath}.head`, 'garbage');
    const verdict = await verifyLedgerFile(temp.ledgerPath);
    expect(verdict.ok).toBe(true);
    expect(verdict.warnings.join('\n')).toContain('ignoring ledger head');
  });

  it('reports a missing ledger as NOT_FOUND', async () => {
    await expect(verifyLedgerFile(`${temp.dir}/nothing.jsonl`)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('reads a ledger larger than one read chunk', async () => {
    const big = makeTempDir();
    try {
      const ledger = await openFileLedger(big.ledgerPath);
      const preview = 'long prompt '.repeat(20);
      await Promise.all(
        Array.from({ length: 6000 }, (_, index) =>
          ledger.append(sampleInput(index, { prompt_preview: preview })),
        ),
      );
      await ledger.close();
      expect(fs.statSync(big.ledgerPath).size).toBeGreaterThan(2 << 20);
      expect(await verifyLedgerFile(big.ledgerPath)).toMatchObject({ ok: true, entries: 6000 });
    } finally {
      big.remove();
    }
  });
});

describe('reporting costs from a ledger file', () => {
  it('sums every entry by model, day and task in one pass', async () => {
    const { reports, chain, skipped_lines } = await reportLedgerFileAll(temp.ledgerPath);
    expect(chain.ok).toBe(true);
    expect(skipped_lines).toBe(0);
    expect(reports.model.total.calls).toBe(12);
    expect(reports.model.rows.map((row) => row.key).sort()).toEqual([
      'claude-haiku-4-5',
      'claude-sonnet-4-5',
    ]);
    expect(reports.day.rows.map((row) => row.key)).toEqual(['2025-01-01', '2025-01-02', '2025-01-03']);
    expect(reports.task.rows).toHaveLength(2);
    expect(reports.task.total.cost_usd).toBe(0.078);
  });

  it('reports one dimension with the chain verdict', async () => {
    const report = await reportLedgerFile(temp.ledgerPath, 'day');
    expect(report.by).toBe('day');
    expect(report.chain.ok).toBe(true);
  });

  it('still sums the readable entries of a broken ledger, and says it is broken', async () => {
    lines[3] = '{not json';
    writeLines(temp.ledgerPath, lines);
    const report = await reportLedgerFile(temp.ledgerPath, 'model');
    expect(report.total.calls).toBe(11);
    expect(report.skipped_lines).toBe(1);
    expect(report.chain).toMatchObject({ ok: false, line: 4 });
    expect(await readLedgerEntries(temp.ledgerPath)).toHaveLength(11);
  });
});
