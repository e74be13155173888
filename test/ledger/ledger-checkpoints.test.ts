// Signed checkpoints through `symbiont ledger verify`: every way of tampering with a signed
// ledger (a rewrite with fresh hashes and head, a truncation with the head rewritten or deleted,
// a forged chained tail, an emptied file, an entry with an extra field, a forged or foreign
// checkpoint) is named with the public key, and is "unverifiable" (exit 1) without it.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openFileLedger } from '../../src/adapters/ledger/file-ledger.js';
import { checkpointsPath } from '../../src/adapters/ledger/ledger-checkpoints.js';
import {
  checkpointSigner,
  generateLedgerKeys,
  loadSigningKey,
  PRIVATE_KEY_FILE,
} from '../../src/adapters/ledger/ledger-keys.js';
import { ledgerCommand } from '../../src/cli/commands/ledger.js';
import { canonicalJson } from '../../src/core/canonical-json.js';
import { GENESIS_HASH, hashEntry } from '../../src/core/hash-chain.js';
import { makeTempDir, readLines, sampleInput, writeLines } from './fixtures/ledger-fixtures.js';

let temp: ReturnType<typeof makeTempDir>;
let keyDir: ReturnType<typeof makeTempDir>;
let keys: ReturnType<typeof generateLedgerKeys>;

async function signedLedger(count: number, policy = { everyEntries: 1000, everyMs: 60_000 }) {
  const signer = checkpointSigner(loadSigningKey(keys.privatePath, temp.dir));
  const ledger = await openFileLedger(temp.ledgerPath, { signer, checkpointPolicy: policy });
  for (let index = 0; index < count; index += 1) await ledger.append(sampleInput(index));
  return ledger;
}

beforeEach(async () => {
  temp = makeTempDir();
  keyDir = makeTempDir();
  keys = generateLedgerKeys(keyDir.dir);
  await (await signedLedger(4)).close();
  process.exitCode = undefined;
});

afterEach(() => {
  temp.remove();
  keyDir.remove();
  process.exitCode = undefined;
});

function quiet(command: Command): Command {
  command.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  for (const sub of command.commands) quiet(sub);
  return command;
}

async function verify(...extra: string[]): Promise<{ output: string; exitCode: number }> {
  let output = '';
  const command = quiet(ledgerCommand({ out: (text) => (output += text), env: {} }));
  await command.parseAsync(['verify', '--file', temp.ledgerPath, ...extra], { from: 'user' });
  return { output, exitCode: typeof process.exitCode === 'number' ? process.exitCode : 0 };
}

const withKey = () => verify('--key', keys.publicPath);

/** Re-chains records as a forger would: fresh seq, prev_hash and hash for every line, and a new head. */
function forge(records: Record<string, unknown>[]): void {
  let prev = GENESIS_HASH;
  const lines = records.map((record, index) => {
    const { hash: _old, ...rest } = record;
    const body = { ...rest, seq: index + 1, prev_hash: prev };
    const hash = hashEntry(prev, body);
    prev = hash;
    return canonicalJson({ ...body, hash });
  });
  writeLines(temp.ledgerPath, lines);
  const size = fs.statSync(temp.ledgerPath).size;
  fs.writeFileSync(`${temp.ledgerPath}.head`, JSON.stringify({ seq: lines.length, hash: prev, size }));
}

function records(): Record<string, unknown>[] {
  return readLines(temp.ledgerPath).map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('ledger verify with the public key', () => {
  it('verifies a ledger whose every entry a checkpoint covers (exit 0)', async () => {
    const { output, exitCode } = await withKey();
    expect(output).toMatch(
      /^ledger verified: entries 1\.\.4 match 1 signed checkpoint\(s\), the last signed at /,
    );
    expect(exitCode).toBe(0);
    const checkpoint = JSON.parse(readLines(checkpointsPath(temp.ledgerPath))[0]!) as Record<string, unknown>;
    expect(Object.keys(checkpoint).sort()).toEqual(['at', 'hash', 'key_id', 'seq', 'signature']);
    expect(checkpoint.seq).toBe(4);
    expect(fs.statSync(checkpointsPath(temp.ledgerPath)).mode & 0o777).toBe(0o600);
  });

  it('names a full rewrite with recomputed hashes and head', async () => {
    const forged = records();
    forged[1]!.cost_usd = 0;
    forge(forged);
    const { output, exitCode } = await withKey();
    expect(output).toContain('ledger differs from a signed checkpoint at line 4');
    expect(output).toContain('the history after seq 0 was rewritten, even if its hashes were recomputed');
    expect(exitCode).toBe(1);
  });

  it('names a truncation whose head was rewritten, and one whose head was deleted', async () => {
    forge(records().slice(0, 2));
    let { output, exitCode } = await withKey();
    expect(output).toContain('the ledger ends at seq 2 but a checkpoint signed at');
    expect(output).toContain('covers seq 4 (entries were truncated)');
    expect(exitCode).toBe(1);
    fs.rmSync(`${temp.ledgerPath}.head`);
    ({ output, exitCode } = await withKey());
    expect(output).toContain('the ledger ends at seq 2 but a checkpoint signed at');
    expect(exitCode).toBe(1);
  });

  it('names a forged chained tail after the last checkpoint as an unsigned tail', async () => {
    const forged = records();
    forged.push({ ...forged[3]!, cost_usd: 99 }, { ...forged[3]!, cost_usd: 98 });
    forge(forged);
    const { output, exitCode } = await withKey();
    expect(output).toMatch(/^unsigned tail: entries 5\.\.6 not covered by a checkpoint/);
    expect(exitCode).toBe(1);
    // A ledger still being written may accept it knowingly.
    expect((await verify('--key', keys.publicPath, '--allow-unsigned-tail')).exitCode).toBe(0);
  });

  it('names an emptied file', async () => {
    fs.writeFileSync(temp.ledgerPath, '');
    fs.rmSync(`${temp.ledgerPath}.head`);
    const { output, exitCode } = await withKey();
    expect(output).toContain('the ledger is empty but a checkpoint signed at');
    expect(output).toContain('(the file was emptied or replaced)');
    expect(exitCode).toBe(1);
  });

  it('rejects an entry with an extra field, even with recomputed hashes', async () => {
    const forged = records();
    forged[2]!.full_prompt = 'smuggled';
    forge(forged);
    const { output, exitCode } = await withKey();
    expect(output).toContain('ledger broken at line 3: not a ledger entry (unknown field "full_prompt")');
    expect(exitCode).toBe(1);
    expect((await verify()).exitCode).toBe(1);
  });

  it('refuses a forged checkpoint, a checkpoint of another key and an edited one', async () => {
    const path = checkpointsPath(temp.ledgerPath);
    const original = readLines(path);
    const edited = JSON.parse(original[0]!) as Record<string, unknown>;
    edited.seq = 3;
    writeLines(path, [JSON.stringify(edited)]);
    let { output, exitCode } = await withKey();
    expect(output).toContain(
      'checkpoint line 1: the signature does not verify (the checkpoint was forged or edited)',
    );
    expect(exitCode).toBe(1);

    const otherDir = makeTempDir();
    try {
      const other = generateLedgerKeys(otherDir.dir);
      writeLines(path, original);
      ({ output, exitCode } = await verify('--key', other.publicPath));
      expect(output).toMatch(
        /checkpoint line 1: signed by key [0-9a-f]{16}, not by the given key [0-9a-f]{16}/,
      );
      expect(exitCode).toBe(1);
    } finally {
      otherDir.remove();
    }

    writeLines(path, [original[0]!.replace('{', '{"note":"x",')]);
    ({ output } = await withKey());
    expect(output).toContain('checkpoint line 1: unknown field "note"');
  });

  it('calls a ledger whose checkpoints were deleted unverifiable', async () => {
    fs.rmSync(checkpointsPath(temp.ledgerPath));
    const { output, exitCode } = await withKey();
    expect(output).toMatch(/^ledger unverifiable: no signed checkpoint/);
    expect(exitCode).toBe(1);
  });
});

describe('ledger verify without the key', () => {
  it('never says ok: a sound chain and every rewrite are "unverifiable", exit 1', async () => {
    const sound = await verify();
    expect(sound.output).toMatch(
      /^ledger unverifiable: the chain is intact \(4 entries, last hash [0-9a-f]{64}\)/,
    );
    expect(sound.exitCode).toBe(1);
    const damages: (() => void)[] = [
      () => forge(records().map((record, index) => (index === 1 ? { ...record, cost_usd: 0 } : record))),
      () => forge(records().slice(0, 2)),
      () => {
        forge(records().slice(0, 2));
        fs.rmSync(`${temp.ledgerPath}.head`);
      },
      () => forge([...records(), { ...records()[3]!, cost_usd: 5 }]),
    ];
    const original = fs.readFileSync(temp.ledgerPath);
    const head = fs.readFileSync(`${temp.ledgerPath}.head`);
    for (const damage of damages) {
      fs.writeFileSync(temp.ledgerPath, original);
      fs.writeFileSync(`${temp.ledgerPath}.head`, head);
      damage();
      const { output, exitCode } = await verify();
      expect(output).toMatch(/^ledger unverifiable: /);
      expect(output).not.toMatch(/ledger (ok|verified)/);
      expect(exitCode).toBe(1);
    }
  });
});

describe('checkpoints while the ledger is written', () => {
  it('signs every N entries and at close', async () => {
    fs.rmSync(checkpointsPath(temp.ledgerPath));
    fs.rmSync(temp.ledgerPath);
    fs.rmSync(`${temp.ledgerPath}.head`);
    const ledger = await signedLedger(5, { everyEntries: 2, everyMs: 60_000 });
    const seqs = () =>
      readLines(checkpointsPath(temp.ledgerPath)).map((line) => JSON.parse(line).seq as number);
    expect(seqs()).toEqual([2, 4]);
    expect((await withKey()).output).toMatch(/^unsigned tail: entries 5\.\.5/);
    await ledger.close();
    expect(seqs()).toEqual([2, 4, 5]);
    expect((await withKey()).exitCode).toBe(0);
  });

  it('signs a quiet tail after the interval, without waiting for close', async () => {
    const ledger = await signedLedger(1, { everyEntries: 1000, everyMs: 30 });
    const path = checkpointsPath(temp.ledgerPath);
    for (let waited = 0; readLines(path).length < 2 && waited < 5000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(readLines(path).map((line) => JSON.parse(line).seq)).toEqual([4, 5]);
    await ledger.close();
    expect(readLines(path)).toHaveLength(2);
  });

  it('a signing writer refuses a ledger rewritten or cut since its last checkpoint, and signs nothing', async () => {
    const signer = checkpointSigner(loadSigningKey(keys.privatePath, temp.dir));
    const checkpoints = fs.readFileSync(checkpointsPath(temp.ledgerPath));
    const original = records();
    for (const damage of [
      () => forge(original.map((record, index) => (index === 3 ? { ...record, cost_usd: 0 } : record))),
      () => forge(original.slice(0, 3)),
    ]) {
      damage();
      await expect(openFileLedger(temp.ledgerPath, { signer })).rejects.toMatchObject({
        code: 'LEDGER_CORRUPT',
        message: expect.stringMatching(/differs from its last signed checkpoint: .*(rewritten|truncated)/),
      });
      const ledger = await openFileLedger(temp.ledgerPath, { signer, whenCorrupt: 'refuse-appends' });
      await expect(ledger.append(sampleInput(9))).rejects.toMatchObject({ code: 'LEDGER_CORRUPT' });
      await ledger.close();
      expect(fs.readFileSync(checkpointsPath(temp.ledgerPath)).equals(checkpoints)).toBe(true);
    }
  });

  it('does not sign again at close when nothing was appended', async () => {
    const ledger = await signedLedger(0);
    await ledger.close();
    expect(readLines(checkpointsPath(temp.ledgerPath))).toHaveLength(1);
  });
});

describe('symbiont ledger keygen (child process)', () => {
  function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
    return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/run-cli.ts', ...args], {
      cwd: join(import.meta.dirname, '../..'),
      encoding: 'utf8',
      env: { ...process.env, SYMBIONT_HOME: temp.dir, SYMBIONT_LEDGER_KEY: '', ...env },
    });
  }

  it('writes a 0600 private key and a public key, refuses to overwrite them or to write in the home', () => {
    const out = join(keyDir.dir, 'made');
    const made = cli(['ledger', 'keygen', '--out', out]);
    expect(made.status, made.stderr).toBe(0);
    expect(fs.statSync(join(out, PRIVATE_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(made.stdout).toContain(
      `verify with: symbiont ledger verify --key ${join(out, 'ledger-key.pub.pem')}`,
    );
    const again = cli(['ledger', 'keygen', '--out', out]);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('exists already');
    const inside = cli(['ledger', 'keygen', '--out', join(temp.dir, 'keys')]);
    expect(inside.status).toBe(2);
    expect(inside.stderr).toContain('is inside the data directory');
    expect(inside.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a signing key inside the data directory, and signs with one outside', () => {
    fs.copyFileSync(keys.privatePath, join(temp.dir, 'key.pem'));
    const report = cli(['ledger', 'report'], { SYMBIONT_LEDGER_KEY: join(temp.dir, 'key.pem') });
    expect(report.status, report.stderr).toBe(0); // reading commands do not load the signing key
    const run = cli(['run', 'hello', '--provider', 'simulated', '--json'], {
      SYMBIONT_LEDGER_KEY: join(temp.dir, 'key.pem'),
      SYMBIONT_SIM_LATENCY_SCALE: '0',
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`the ledger key ${join(temp.dir, 'key.pem')} is inside the data directory`);
    const signed = cli(['run', 'hello', '--provider', 'simulated', '--json'], {
      SYMBIONT_LEDGER_KEY: keys.privatePath,
      SYMBIONT_SIM_LATENCY_SCALE: '0',
    });
    expect(signed.status, signed.stderr).toBe(0);
    const verified = cli(['ledger', 'verify', '--key', keys.publicPath]);
    expect(verified.stdout).toMatch(/^ledger verified: entries 1\.\.\d+ match \d+ signed checkpoint/);
    expect(verified.status).toBe(0);
  }, 60_000);
});
