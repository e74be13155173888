// One suite for the Ledger port, run against every adapter.

import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { openFileLedger } from '../../src/adapters/ledger/file-ledger.js';
import { MemoryLedger } from '../../src/adapters/ledger/memory-ledger.js';
import { verifyChain } from '../../src/core/chain-verifier.js';
import { SymbiontError } from '../../src/core/errors.js';
import { GENESIS_HASH } from '../../src/core/hash-chain.js';
import type { Ledger, LedgerEntry } from '../../src/ports/ledger.js';
import { makeTempDir, readLines, sampleInput } from './fixtures/ledger-fixtures.js';

interface Subject {
  ledger: Ledger;
  /** The stored lines, as a reader would see them. */
  lines(): string[];
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const adapters: [string, () => Promise<Subject>][] = [
  [
    'memory ledger',
    async () => {
      const ledger = new MemoryLedger();
      return { ledger, lines: () => ledger.lines() };
    },
  ],
  [
    'file ledger',
    async () => {
      const temp = makeTempDir();
      cleanups.push(temp.remove);
      const ledger = await openFileLedger(temp.ledgerPath);
      return { ledger, lines: () => readLines(temp.ledgerPath) };
    },
  ],
];

describe.each(adapters)('Ledger port: %s', (_name, create) => {
  it('chains entries from seq 1 and the genesis hash', async () => {
    const { ledger, lines } = await create();
    const first = await ledger.append(sampleInput(0));
    const second = await ledger.append(sampleInput(1));
    expect(first).toMatchObject({ seq: 1, prev_hash: GENESIS_HASH });
    expect(second).toMatchObject({ seq: 2, prev_hash: first.hash });
    expect(verifyChain(lines())).toMatchObject({ ok: true, entries: 2, lastHash: second.hash });
    await ledger.close();
  });

  it('gives concurrent appends consecutive seqs in call order', async () => {
    const { ledger, lines } = await create();
    const entries = await Promise.all(
      Array.from({ length: 50 }, (_, index) => ledger.append(sampleInput(index))),
    );
    expect(entries.map((entry) => entry.seq)).toEqual(Array.from({ length: 50 }, (_, index) => index + 1));
    expect(entries.map((entry) => entry.prompt_preview)).toEqual(
      Array.from({ length: 50 }, (_, index) => `prompt number ${index}`),
    );
    expect(verifyChain(lines())).toMatchObject({ ok: true, entries: 50 });
    await ledger.close();
  });

  it('stores the SPEC fields (and the cache token counts) and nothing else, with the prompt cut to 100 characters', async () => {
    const { ledger, lines } = await create();
    const input = {
      ...sampleInput(1, { prompt_preview: 'q'.repeat(400) }),
      prompt: 'FULL PROMPT',
      api_key: 'sk-x',
    };
    const entry: LedgerEntry = await ledger.append(input);
    expect(entry.prompt_preview).toBe('q'.repeat(100));
    const stored = JSON.parse(lines()[0]!) as Record<string, unknown>;
    expect(Object.keys(stored).sort()).toEqual(
      [
        'seq',
        'timestamp',
        'task_id',
        'subtask_id',
        'kind',
        'attempt',
        'provider',
        'model',
        'success',
        'input_tokens',
        'output_tokens',
        'cache_read_tokens',
        'cache_write_tokens',
        'cost_usd',
        'cost_source',
        'duration_ms',
        'error',
        'prompt_preview',
        'prev_hash',
        'hash',
      ].sort(),
    );
    expect(lines().join('\n')).not.toMatch(/FULL PROMPT|sk-x/);
    await ledger.close();
  });

  it('rejects a malformed call record without storing it', async () => {
    const { ledger, lines } = await create();
    const bad = { ...sampleInput(0), cost_usd: Number.NaN };
    await expect(ledger.append(bad)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await ledger.append(sampleInput(1));
    expect(lines()).toHaveLength(1);
    await ledger.close();
  });

  it('rejects appends after close', async () => {
    const { ledger } = await create();
    await ledger.close();
    const failure = await ledger.append(sampleInput(0)).catch((error: unknown) => error);
    expect(SymbiontError.is(failure, 'LEDGER_WRITE')).toBe(true);
  });
});

it('the file ledger writes the same lines the memory ledger keeps', async () => {
  const temp = makeTempDir();
  cleanups.push(temp.remove);
  const file = await openFileLedger(temp.ledgerPath);
  const memory = new MemoryLedger();
  for (let index = 0; index < 5; index += 1) {
    await file.append(sampleInput(index));
    await memory.append(sampleInput(index));
  }
  await file.close();
  expect(readFileSync(temp.ledgerPath, 'utf8')).toBe(
    memory
      .lines()
      .map((line) => `${line}\n`)
      .join(''),
  );
});
