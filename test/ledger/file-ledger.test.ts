import * as fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { openFileLedger } from '../../src/adapters/ledger/file-ledger.js';
import { verifyLedgerFile } from '../../src/adapters/ledger/ledger-file-reader.js';
import { verifyChain } from '../../src/core/chain-verifier.js';
import { SymbiontError } from '../../src/core/errors.js';
import {
  FaultyFileSystem,
  makeTempDir,
  readLines,
  sampleInput,
  writeLines,
} from './fixtures/ledger-fixtures.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function temp() {
  const made = makeTempDir();
  cleanups.push(made.remove);
  return made;
}

/** A ledger in a fresh directory whose file system fails only on the ledger file, when told to. */
async function openFaultyLedger() {
  const made = temp();
  const fileSystem = new FaultyFileSystem();
  fileSystem.failOnlyPath = made.ledgerPath;
  const ledger = await openFileLedger(made.ledgerPath, { fileSystem });
  return { ...made, fileSystem, ledger };
}

async function ledgerWith(path: string, count: number): Promise<void> {
  const ledger = await openFileLedger(path);
  for (let index = 0; index < count; index += 1) await ledger.append(sampleInput(index));
  await ledger.close();
}

function tornFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((name) => name.includes('.torn-'));
}

describe('group commit', () => {
  it('stores 1,000 concurrent appends as one valid chain with far fewer syncs than appends', async () => {
    const { ledgerPath } = temp();
    const fileSystem = new FaultyFileSystem();
    const ledger = await openFileLedger(ledgerPath, { fileSystem });
    const before = { ...fileSystem.calls };
    const entries = await Promise.all(
      Array.from({ length: 1000 }, (_, index) => ledger.append(sampleInput(index))),
    );
    await ledger.close();
    expect(entries.map((entry) => entry.seq)).toEqual(Array.from({ length: 1000 }, (_, index) => index + 1));
    expect(verifyChain(readLines(ledgerPath))).toMatchObject({ ok: true, entries: 1000 });
    const syncs = (fileSystem.calls.fdatasync ?? 0) - (before.fdatasync ?? 0);
    const writes = (fileSystem.calls.write ?? 0) - (before.write ?? 0);
    expect(syncs).toBeGreaterThan(0);
    expect(syncs).toBeLessThan(100);
    expect(writes).toBeLessThan(300);
  });

  it('resolves an append only after a sync that covers its line', async () => {
    const { ledgerPath } = temp();
    const fileSystem = new FaultyFileSystem();
    let durableBytes = 0;
    let dataFd = -1;
    const realOpen = fileSystem.open;
    fileSystem.open = async (path, flags, mode) => {
      const fd = await realOpen(path, flags, mode);
      if (path === ledgerPath) dataFd = fd;
      return fd;
    };
    fileSystem.onSynced = (fd) => {
      if (fd === dataFd) durableBytes = fs.fstatSync(fd).size;
    };
    const ledger = await openFileLedger(ledgerPath, { fileSystem });
    const checks: Promise<void>[] = [];
    for (let wave = 0; wave < 5; wave += 1) {
      for (let index = 0; index < 40; index += 1) {
        checks.push(
          ledger.append(sampleInput(index)).then((entry) => {
            const durableLines =
              fs.readFileSync(ledgerPath).subarray(0, durableBytes).toString().split('\n').length - 1;
            expect(durableLines).toBeGreaterThanOrEqual(entry.seq);
          }),
        );
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(checks);
    await ledger.close();
  });

  it('opens a large ledger by reading from its head, not the whole file', async () => {
    const { ledgerPath } = temp();
    const writer = await openFileLedger(ledgerPath);
    await Promise.all(Array.from({ length: 3000 }, (_, index) => writer.append(sampleInput(index))));
    await writer.close();
    const size = fs.statSync(ledgerPath).size;
    const tail = new FaultyFileSystem();
    const reopened = await openFileLedger(ledgerPath, { fileSystem: tail });
    expect(reopened.head.seq).toBe(3000);
    expect((await reopened.append(sampleInput(1))).seq).toBe(3001);
    await reopened.close();
    expect(tail.bytesRead).toBeLessThan(size / 10);
    const full = new FaultyFileSystem();
    await (await openFileLedger(ledgerPath, { fileSystem: full, verifyAtOpen: 'full' })).close();
    expect(full.bytesRead).toBeGreaterThanOrEqual(size);
  });

  it('keeps the head file at the last durable entry', async () => {
    const { ledgerPath } = temp();
    const ledger = await openFileLedger(ledgerPath);
    await Promise.all([0, 1, 2].map((index) => ledger.append(sampleInput(index))));
    const last = await ledger.append(sampleInput(3));
    expect(ledger.head).toEqual({ seq: 4, hash: last.hash });
    await ledger.close();
    expect(JSON.parse(fs.readFileSync(`${ledgerPath}.head`, 'utf8'))).toEqual({
      seq: 4,
      hash: last.hash,
      size: fs.statSync(ledgerPath).size,
    });
  });
});

describe('a torn last line', () => {
  it('is set aside at open, keeping every earlier entry, and the ledger appends after it', async () => {
    const { dir, ledgerPath } = temp();
    await ledgerWith(ledgerPath, 5);
    const torn = '{"attempt":1,"cost_source":"tok';
    fs.appendFileSync(ledgerPath, torn);
    const warnings: string[] = [];
    const ledger = await openFileLedger(ledgerPath, { onWarning: (message) => warnings.push(message) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('set aside a torn last line');
    expect(warnings[0]).toContain('the 5 entries before it are intact');
    const aside = tornFiles(dir);
    expect(aside).toHaveLength(1);
    expect(aside[0]).toMatch(/^ledger\.jsonl\.torn-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z$/);
    expect(fs.readFileSync(`${dir}/${aside[0]}`, 'utf8')).toBe(torn);
    const next = await ledger.append(sampleInput(5));
    await ledger.close();
    expect(next.seq).toBe(6);
    expect(await verifyLedgerFile(ledgerPath)).toMatchObject({ ok: true, entries: 6 });
  });

  it('includes a final line that ends in a newline but is not JSON', async () => {
    const { dir, ledgerPath } = temp();
    await ledgerWith(ledgerPath, 3);
    fs.appendFileSync(ledgerPath, '\u0000\u0000\u0000\n');
    const ledger = await openFileLedger(ledgerPath, { onWarning: () => undefined });
    expect(ledger.head.seq).toBe(3);
    await ledger.close();
    expect(tornFiles(dir)).toHaveLength(1);
    expect(readLines(ledgerPath)).toHaveLength(3);
  });

  it('includes a complete entry whose newline never reached the disk (it was never acknowledged)', async () => {
    const { dir, ledgerPath } = temp();
    await ledgerWith(ledgerPath, 3);
    const lines = readLines(ledgerPath);
    fs.writeFileSync(ledgerPath, `${lines[0]}\n${lines[1]}\n${lines[2]}`);
    // The head is written only after a sync, so it would still record the second entry.
    const second = JSON.parse(lines[1]!) as { seq: number; hash: string };
    fs.writeFileSync(`${ledgerPath}.head`, JSON.stringify({ seq: second.seq, hash: second.hash }));
    const ledger = await openFileLedger(ledgerPath, { onWarning: () => undefined });
    expect(ledger.head.seq).toBe(2);
    await ledger.close();
    expect(fs.readFileSync(`${dir}/${tornFiles(dir)[0]}`, 'utf8')).toBe(lines[2]);
  });
});

describe('a broken ledger', () => {
  it('is refused at open with LEDGER_CORRUPT naming the line, and left untouched, without a head', async () => {
    const { ledgerPath } = temp();
    await ledgerWith(ledgerPath, 6);
    const lines = readLines(ledgerPath);
    lines.splice(2, 1);
    writeLines(ledgerPath, lines);
    fs.rmSync(`${ledgerPath}.head`);
    const before = fs.readFileSync(ledgerPath);
    const failure = await openFileLedger(ledgerPath).catch((error: unknown) => error);
    expect(SymbiontError.is(failure, 'LEDGER_CORRUPT')).toBe(true);
    expect((failure as SymbiontError).context).toMatchObject({ line: 3 });
    expect((failure as Error).message).toContain('line 3: prev_hash does not match line 2');
    expect(fs.readFileSync(ledgerPath).equals(before)).toBe(true);
  });

  it('is refused when entries the head records were cut off the end', async () => {
    const { ledgerPath } = temp();
    await ledgerWith(ledgerPath, 6);
    writeLines(ledgerPath, readLines(ledgerPath).slice(0, 4));
    await expect(openFileLedger(ledgerPath)).rejects.toMatchObject({
      code: 'LEDGER_CORRUPT',
      context: { line: 5 },
    });
  });

  it('can be opened for reading only: every append then rejects with the break', async () => {
    const { ledgerPath } = temp();
    await ledgerWith(ledgerPath, 4);
    const lines = readLines(ledgerPath);
    lines[1] = lines[1]!.replace('"attempt":1', '"attempt":2');
    writeLines(ledgerPath, lines);
    const ledger = await openFileLedger(ledgerPath, { whenCorrupt: 'refuse-appends', verifyAtOpen: 'full' });
    await expect(ledger.append(sampleInput(9))).rejects.toMatchObject({ code: 'LEDGER_CORRUPT' });
    await ledger.close();
    expect(readLines(ledgerPath)).toEqual(lines);
  });

  it('is refused at open, with verifyAtOpen full, for an edit anywhere', async () => {
    const { ledgerPath } = temp();
    await ledgerWith(ledgerPath, 6);
    const lines = readLines(ledgerPath);
    lines[1] = lines[1]!.replace('"attempt":1', '"attempt":7');
    writeLines(ledgerPath, lines);
    await expect(openFileLedger(ledgerPath, { verifyAtOpen: 'full' })).rejects.toMatchObject({
      code: 'LEDGER_CORRUPT',
      context: { line: 2, reason: 'line 2: hash mismatch (entry was edited)' },
    });
  });

  it('treats damage before the head the same whatever its size: opens, warns when it moved the head, appends', async () => {
    for (const damage of ['same-size', 'shorter', 'longer'] as const) {
      const { ledgerPath } = temp();
      await ledgerWith(ledgerPath, 6);
      const lines = readLines(ledgerPath);
      if (damage === 'same-size') lines[1] = lines[1]!.replace('"attempt":1', '"attempt":7');
      if (damage === 'shorter') lines.splice(2, 1);
      if (damage === 'longer') lines[1] = lines[1]!.replace('"attempt":1', '"attempt":1000');
      writeLines(ledgerPath, lines);
      const warnings: string[] = [];
      const ledger = await openFileLedger(ledgerPath, { onWarning: (message) => warnings.push(message) });
      expect((await ledger.append(sampleInput(6))).seq, damage).toBe(7);
      await ledger.close();
      if (damage === 'same-size') expect(warnings).toEqual([]);
      else
        expect(warnings.join('\n')).toMatch(/the head's entry \(seq 6\) ends at byte \d+, not at byte \d+/);
      expect((await verifyLedgerFile(ledgerPath)).ok, damage).toBe(false);
    }
  });

  it("refuses appends when the head's own entry is gone or rewritten, whatever the size", async () => {
    for (const damage of ['truncated', 'rewritten-last'] as const) {
      const { ledgerPath } = temp();
      await ledgerWith(ledgerPath, 6);
      const lines = readLines(ledgerPath);
      if (damage === 'truncated') lines.splice(5, 1);
      else lines[5] = lines[5]!.replace('"attempt":1', '"attempt":2');
      writeLines(ledgerPath, lines);
      await expect(openFileLedger(ledgerPath), damage).rejects.toMatchObject({ code: 'LEDGER_CORRUPT' });
    }
  });

  it('by default verifies only what follows the head, leaving earlier lines to ledger verify', async () => {
    const { ledgerPath } = temp();
    await ledgerWith(ledgerPath, 6);
    const lines = readLines(ledgerPath);
    lines[1] = lines[1]!.replace('"attempt":1', '"attempt":7');
    writeLines(ledgerPath, lines);
    const ledger = await openFileLedger(ledgerPath);
    expect((await ledger.append(sampleInput(6))).seq).toBe(7);
    await ledger.close();
    expect(await verifyLedgerFile(ledgerPath)).toMatchObject({ ok: false, line: 2, problem: 'hash' });
  });

  it('rejects options that make no sense, naming the field', async () => {
    const { ledgerPath } = temp();
    await expect(openFileLedger(ledgerPath, { lockStaleMs: 0 })).rejects.toThrow(
      'Expected `lockStaleMs` to be a number above 0, got `0` (number)',
    );
  });
});

describe('a failed write', () => {
  it('rejects every append of the batch with LEDGER_WRITE naming the path and OS error, and all later ones', async () => {
    const { ledgerPath, fileSystem, ledger } = await openFaultyLedger();
    await ledger.append(sampleInput(0));
    fileSystem.failWrites = 'ENOSPC';
    const results = await Promise.allSettled([1, 2, 3].map((index) => ledger.append(sampleInput(index))));
    for (const result of results) {
      expect(result.status).toBe('rejected');
      const error = (result as PromiseRejectedResult).reason as SymbiontError;
      expect(error.code).toBe('LEDGER_WRITE');
      expect(error.message).toContain(ledgerPath);
      expect(error.message).toContain('ENOSPC');
      expect(error.context).toMatchObject({ path: ledgerPath, code: 'ENOSPC' });
      expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOSPC');
    }
    fileSystem.failWrites = undefined;
    const later = await ledger.append(sampleInput(4)).catch((error: unknown) => error);
    expect(later).toMatchObject({ code: 'LEDGER_WRITE' });
    expect((later as Error).message).toContain('refuses appends after a failed write (ENOSPC)');
    await ledger.close();
    expect(readLines(ledgerPath)).toHaveLength(1);
    const reopened = await openFileLedger(ledgerPath);
    expect((await reopened.append(sampleInput(5))).seq).toBe(2);
    await reopened.close();
  });

  it('rejects when the sync fails (EIO): nothing is reported as stored', async () => {
    const { fileSystem, ledger } = await openFaultyLedger();
    fileSystem.failSyncs = 'EIO';
    await expect(ledger.append(sampleInput(0))).rejects.toMatchObject({
      code: 'LEDGER_WRITE',
      context: { code: 'EIO' },
    });
    await ledger.close();
  });

  it('leaves a partial line that the next open sets aside when it could not be cut off', async () => {
    const { dir, ledgerPath, fileSystem, ledger } = await openFaultyLedger();
    await ledger.append(sampleInput(0));
    fileSystem.failWrites = 'EIO';
    fileSystem.shortWriteBytes = 30;
    fileSystem.failTruncates = 'EIO';
    await expect(ledger.append(sampleInput(1))).rejects.toMatchObject({ code: 'LEDGER_WRITE' });
    await ledger.close();
    expect(fs.readFileSync(ledgerPath, 'utf8').endsWith('\n')).toBe(false);
    const warnings: string[] = [];
    const reopened = await openFileLedger(ledgerPath, { onWarning: (message) => warnings.push(message) });
    expect(warnings[0]).toContain('torn last line (30 bytes');
    expect((await reopened.append(sampleInput(2))).seq).toBe(2);
    await reopened.close();
    expect(tornFiles(dir)).toHaveLength(1);
    expect(await verifyLedgerFile(ledgerPath)).toMatchObject({ ok: true, entries: 2 });
  });

  it('cuts a partial line back off when it can, so the file stays clean', async () => {
    const { ledgerPath, fileSystem, ledger } = await openFaultyLedger();
    await ledger.append(sampleInput(0));
    fileSystem.failWrites = 'ENOSPC';
    fileSystem.shortWriteBytes = 30;
    await expect(ledger.append(sampleInput(1))).rejects.toMatchObject({ code: 'LEDGER_WRITE' });
    await ledger.close();
    expect(await verifyLedgerFile(ledgerPath)).toMatchObject({ ok: true, entries: 1 });
  });

  it('rejects, without poisoning, when even the lock file cannot be written; appends work once space is back', async () => {
    const { ledgerPath } = temp();
    const fileSystem = new FaultyFileSystem();
    const ledger = await openFileLedger(ledgerPath, { fileSystem });
    fileSystem.failWrites = 'ENOSPC';
    await expect(ledger.append(sampleInput(0))).rejects.toMatchObject({
      code: 'LEDGER_WRITE',
      context: { code: 'ENOSPC' },
    });
    expect(fs.existsSync(`${ledgerPath}.lock`)).toBe(false);
    fileSystem.failWrites = undefined;
    expect((await ledger.append(sampleInput(1))).seq).toBe(1);
    await ledger.close();
  });

  it('reports an unopenable ledger as LEDGER_WRITE', async () => {
    const { dir } = temp();
    await expect(openFileLedger(`${dir}/missing-directory/ledger.jsonl`)).rejects.toMatchObject({
      code: 'LEDGER_WRITE',
      context: { code: 'ENOENT' },
    });
  });
});

describe('several writers on one file', () => {
  it('keeps one chain when two ledgers in one process append interleaved', async () => {
    const { ledgerPath } = temp();
    const warnings: string[] = [];
    const onWarning = (message: string) => warnings.push(message);
    const first = await openFileLedger(ledgerPath, { onWarning });
    const second = await openFileLedger(ledgerPath, { onWarning });
    const appends: Promise<unknown>[] = [];
    for (let index = 0; index < 200; index += 1) {
      appends.push((index % 2 === 0 ? first : second).append(sampleInput(index)));
      if (index % 7 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(appends);
    await first.append(sampleInput(200));
    await second.append(sampleInput(201));
    await Promise.all([first.close(), second.close()]);
    expect(await verifyLedgerFile(ledgerPath)).toMatchObject({ ok: true, entries: 202, lastSeq: 202 });
    expect(fs.existsSync(`${ledgerPath}.lock`)).toBe(false);
    expect(warnings).toEqual([]);
  });

  it('takes over a lock left by a process that no longer exists', async () => {
    const { ledgerPath } = temp();
    fs.writeFileSync(`${ledgerPath}.lock`, '999999999 left-by-a-crash\n');
    const ledger = await openFileLedger(ledgerPath);
    await ledger.append(sampleInput(0));
    await ledger.close();
    expect(fs.existsSync(`${ledgerPath}.lock`)).toBe(false);
  });

  it('takes over a lock older than lockStaleMs', async () => {
    const { ledgerPath } = temp();
    fs.writeFileSync(`${ledgerPath}.lock`, `${process.ppid} held-too-long\n`);
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(`${ledgerPath}.lock`, old, old);
    const ledger = await openFileLedger(ledgerPath, { lockStaleMs: 1000 });
    await ledger.append(sampleInput(0));
    await ledger.close();
  });

  it('chains onto what another writer appended and repairs its torn tail', async () => {
    const { dir, ledgerPath } = temp();
    const ours = await openFileLedger(ledgerPath, { onWarning: () => undefined });
    await ours.append(sampleInput(0));
    const theirs = await openFileLedger(ledgerPath);
    await theirs.append(sampleInput(1));
    await theirs.close();
    fs.appendFileSync(ledgerPath, '{"attempt":1,"cos');
    const entry = await ours.append(sampleInput(2));
    await ours.close();
    expect(entry.seq).toBe(3);
    expect(tornFiles(dir)).toHaveLength(1);
    expect(await verifyLedgerFile(ledgerPath)).toMatchObject({ ok: true, entries: 3 });
  });

  it('refuses to append when something else broke the chain meanwhile', async () => {
    const { ledgerPath } = temp();
    const ledger = await openFileLedger(ledgerPath);
    await ledger.append(sampleInput(0));
    fs.appendFileSync(ledgerPath, 'not a ledger entry\n{"also": "not"}\n');
    await expect(ledger.append(sampleInput(1))).rejects.toMatchObject({
      code: 'LEDGER_CORRUPT',
      context: { line: 2 },
    });
    await expect(ledger.append(sampleInput(2))).rejects.toMatchObject({ code: 'LEDGER_CORRUPT' });
    await ledger.close();
  });
});
