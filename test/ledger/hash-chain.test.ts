import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/core/canonical-json.js';
import { ChainVerifier, verifyChain } from '../../src/core/chain-verifier.js';
import { chainEntry, chainLine, GENESIS_HASH, hashEntry, parseChainHead } from '../../src/core/hash-chain.js';
import { sampleInput, validLedgerLines } from './fixtures/ledger-fixtures.js';

function edit(line: string, change: (record: Record<string, unknown>) => void): string {
  const record = JSON.parse(line) as Record<string, unknown>;
  change(record);
  return JSON.stringify(record);
}

function headOf(lines: string[]): { seq: number; hash: string } {
  const last = JSON.parse(lines.at(-1)!) as { seq: number; hash: string };
  return { seq: last.seq, hash: last.hash };
}

describe('canonical JSON', () => {
  it('sorts keys at every depth and leaves no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('gives the same text whatever order the keys were written in', () => {
    expect(canonicalJson({ x: 1, y: null, z: 'q' })).toBe(canonicalJson({ z: 'q', y: null, x: 1 }));
  });

  it('follows JSON.stringify for undefined members and non-finite numbers', () => {
    expect(canonicalJson({ a: undefined, b: Number.NaN, c: [undefined] })).toBe('{"b":null,"c":[null]}');
  });
});

describe('hash chain', () => {
  it('starts at seq 1 from the genesis hash', () => {
    const first = chainEntry(null, sampleInput(0));
    expect(first.seq).toBe(1);
    expect(first.prev_hash).toBe(GENESIS_HASH);
    expect(GENESIS_HASH).toBe('0'.repeat(64));
    const second = chainEntry(first, sampleInput(1));
    expect(second.seq).toBe(2);
    expect(second.prev_hash).toBe(first.hash);
  });

  it('hashes the previous hash followed by the canonical JSON of the entry without its hash', () => {
    const entry = chainEntry(null, sampleInput(3));
    const { hash, ...withoutHash } = entry;
    expect(hash).toBe(hashEntry(GENESIS_HASH, withoutHash));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('stores a line whose content minus the hash is exactly the canonical JSON', () => {
    fc.assert(
      fc.property(fc.string(), fc.double(), fc.option(fc.integer()), (preview, cost, tokens) => {
        const input = sampleInput(1, { prompt_preview: preview, cost_usd: cost, input_tokens: tokens });
        const { entry, line } = chainLine(null, input);
        const { hash, ...withoutHash } = JSON.parse(line) as Record<string, unknown>;
        expect(hash).toBe(entry.hash);
        expect(hash).toBe(hashEntry(GENESIS_HASH, withoutHash));
      }),
    );
  });

  it('keeps only the first 100 characters of a prompt and none of a caller’s extra fields', () => {
    const input = {
      ...sampleInput(0, { prompt_preview: 'p'.repeat(500) }),
      prompt: 'the full secret prompt',
    };
    const { entry, line } = chainLine(null, input);
    expect(entry.prompt_preview).toBe('p'.repeat(100));
    expect(line).not.toContain('secret');
  });

  it('never cuts a surrogate pair in half', () => {
    const entry = chainEntry(null, sampleInput(0, { prompt_preview: `${'a'.repeat(99)}😀tail` }));
    expect(entry.prompt_preview).toBe('a'.repeat(99));
  });
});

describe('chain verification', () => {
  it('accepts a sound ledger and reports its length and last hash', async () => {
    const lines = await validLedgerLines(5);
    expect(verifyChain(lines)).toEqual({ ok: true, entries: 5, lastSeq: 5, lastHash: headOf(lines).hash });
  });

  it('accepts an empty ledger', () => {
    expect(verifyChain([])).toEqual({ ok: true, entries: 0, lastSeq: 0, lastHash: GENESIS_HASH });
  });

  it('names an edited line', async () => {
    const lines = await validLedgerLines(10);
    lines[6] = edit(lines[6]!, (record) => {
      record.cost_usd = 0;
    });
    expect(verifyChain(lines)).toMatchObject({
      ok: false,
      line: 7,
      seq: 7,
      problem: 'hash',
      reason: 'line 7: hash mismatch (entry was edited)',
      entries: 6,
    });
  });

  it('names the line after an edited entry whose hash was recomputed', async () => {
    const lines = await validLedgerLines(10);
    const record = JSON.parse(lines[6]!) as Record<string, unknown>;
    record.model = 'cheaper-model';
    const { hash: _hash, ...withoutHash } = record;
    record.hash = hashEntry(record.prev_hash as string, withoutHash);
    lines[6] = JSON.stringify(record);
    expect(verifyChain(lines)).toMatchObject({
      ok: false,
      line: 8,
      reason: 'line 8: prev_hash does not match line 7 (an entry was deleted or reordered)',
    });
  });

  it('names the line where an entry was deleted', async () => {
    const lines = await validLedgerLines(10);
    lines.splice(6, 1);
    expect(verifyChain(lines)).toMatchObject({
      ok: false,
      line: 7,
      seq: 8,
      reason: 'line 7: prev_hash does not match line 6 (an entry was deleted or reordered)',
    });
  });

  it('names the first of two swapped lines', async () => {
    const lines = await validLedgerLines(10);
    [lines[3], lines[4]] = [lines[4]!, lines[3]!];
    expect(verifyChain(lines)).toMatchObject({ ok: false, line: 4, problem: 'link' });
  });

  it('names a line cut in half', async () => {
    const lines = await validLedgerLines(10);
    lines[8] = lines[8]!.slice(0, 40);
    expect(verifyChain(lines)).toMatchObject({
      ok: false,
      line: 9,
      reason: 'line 9: not valid JSON (truncated or damaged line)',
    });
  });

  it('names a deleted first entry', async () => {
    const lines = await validLedgerLines(3);
    expect(verifyChain(lines.slice(1))).toMatchObject({
      ok: false,
      line: 1,
      reason: 'line 1: prev_hash is not the genesis hash (entries were deleted from the start)',
    });
  });

  it('names a seq that skips, even when the links hold', async () => {
    const first = chainEntry(null, sampleInput(0));
    const skipping = chainEntry({ seq: first.seq + 1, hash: first.hash }, sampleInput(1));
    const lines = [JSON.stringify(first), JSON.stringify(skipping)];
    expect(verifyChain(lines)).toMatchObject({ ok: false, line: 2, reason: 'line 2: seq 3 follows seq 1' });
  });

  it('names a blank line and a line that is not an entry', async () => {
    const lines = await validLedgerLines(3);
    expect(verifyChain([lines[0]!, '', lines[1]!])).toMatchObject({ ok: false, line: 2, problem: 'empty' });
    expect(verifyChain([lines[0]!, '[1,2]'])).toMatchObject({ ok: false, line: 2, problem: 'shape' });
  });

  it('detects entries truncated from the end through the head record', async () => {
    const lines = await validLedgerLines(10);
    const head = headOf(lines);
    expect(verifyChain(lines.slice(0, 7), { head })).toMatchObject({
      ok: false,
      line: 8,
      problem: 'head',
      reason: 'line 8: ledger ends at seq 7 but its head records seq 10 (entries were truncated)',
    });
  });

  it('accepts a head that is behind the file (a crash between the data sync and the head write)', async () => {
    const lines = await validLedgerLines(10);
    const head = headOf(lines.slice(0, 8));
    expect(verifyChain(lines, { head })).toMatchObject({ ok: true, entries: 10 });
  });

  it('detects a rewritten history the head disagrees with', async () => {
    const lines = await validLedgerLines(6);
    const head = headOf(lines);
    const rewritten = new ChainVerifier();
    const forged: string[] = [];
    let previous: { seq: number; hash: string } | null = null;
    for (const [index] of lines.entries()) {
      const { entry, line } = chainLine(previous, sampleInput(index, { cost_usd: 0 }));
      forged.push(line);
      previous = entry;
      rewritten.push(line);
    }
    expect(rewritten.finish().ok).toBe(true);
    expect(verifyChain(forged, { head })).toMatchObject({ ok: false, line: 6, problem: 'head' });
  });

  it('continues from a known position', async () => {
    const lines = await validLedgerLines(6);
    const third = JSON.parse(lines[2]!) as { seq: number; hash: string };
    const verdict = verifyChain(lines.slice(3), { start: { seq: third.seq, hash: third.hash, line: 3 } });
    expect(verdict).toMatchObject({ ok: true, entries: 3, lastSeq: 6 });
    const broken = verifyChain(lines.slice(4), { start: { seq: third.seq, hash: third.hash, line: 3 } });
    expect(broken).toMatchObject({ ok: false, line: 4 });
  });

  it('reads head records and says what is wrong with bad ones', () => {
    expect(parseChainHead(`{"seq":3,"hash":"${'a'.repeat(64)}"}`)).toEqual({ seq: 3, hash: 'a'.repeat(64) });
    expect(parseChainHead('{"seq":3')).toBe('not valid JSON');
    expect(parseChainHead('{"seq":-1,"hash":"x"}')).toBe('seq is not a whole number');
    expect(parseChainHead('{"seq":1,"hash":"x"}')).toBe('hash is not 64 hex digits');
  });
});

type Mutation =
  | { kind: 'replace-character'; line: number; at: number; character: string }
  | { kind: 'delete'; line: number }
  | { kind: 'swap'; line: number; other: number }
  | { kind: 'duplicate'; line: number }
  | { kind: 'truncate'; line: number; at: number };

function mutate(lines: readonly string[], mutation: Mutation): string[] | undefined {
  const result = [...lines];
  const target = lines[mutation.line]!;
  switch (mutation.kind) {
    case 'replace-character': {
      const at = mutation.at % target.length;
      if (target[at] === mutation.character) return undefined;
      result[mutation.line] = target.slice(0, at) + mutation.character + target.slice(at + 1);
      return result;
    }
    case 'delete':
      result.splice(mutation.line, 1);
      return result;
    case 'swap': {
      if (mutation.other === mutation.line) return undefined;
      result[mutation.line] = lines[mutation.other]!;
      result[mutation.other] = target;
      return result;
    }
    case 'duplicate':
      result.splice(mutation.line + 1, 0, target);
      return result;
    case 'truncate':
      result[mutation.line] = target.slice(0, mutation.at % target.length);
      return result;
  }
}

describe('chain verification (property)', () => {
  it('fails any single-line mutation of a sound ledger at or before the mutated line', async () => {
    const ledgers = new Map<number, string[]>();
    for (let count = 1; count <= 12; count += 1) ledgers.set(count, await validLedgerLines(count));
    const mutation = (count: number) => {
      const line = fc.nat({ max: count - 1 });
      return fc.oneof(
        fc.record({
          kind: fc.constant('replace-character' as const),
          line,
          at: fc.nat(),
          character: fc.constantFrom('0', '1', 'a', 'f', 'z', '"', ',', ':', '{', '}', ' ', '9', 'x', '\\'),
        }),
        fc.record({ kind: fc.constant('delete' as const), line }),
        fc.record({ kind: fc.constant('swap' as const), line, other: fc.nat({ max: count - 1 }) }),
        fc.record({ kind: fc.constant('duplicate' as const), line }),
        fc.record({ kind: fc.constant('truncate' as const), line, at: fc.nat() }),
      );
    };
    const scenario = fc
      .integer({ min: 1, max: 12 })
      .chain((count) => fc.tuple(fc.constant(count), mutation(count)));
    fc.assert(
      fc.property(scenario, ([count, change]) => {
        const lines = ledgers.get(count)!;
        const mutated = mutate(lines, change);
        fc.pre(mutated !== undefined);
        const firstChanged = change.kind === 'swap' ? Math.min(change.line, change.other) : change.line;
        const verdict = verifyChain(mutated!, { head: headOf(lines) });
        expect(verdict.ok).toBe(false);
        if (!verdict.ok)
          expect(verdict.line).toBeLessThanOrEqual(firstChanged + 1 + (change.kind === 'duplicate' ? 1 : 0));
      }),
      { numRuns: 500 },
    );
  });
});
