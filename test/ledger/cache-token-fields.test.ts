// The cache token counts added to ledger entries (prompt caching): entries carry them, the
// verifier accepts them, entries written before them (without the fields) still verify, and
// a wrong type in them is refused.

import { describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/core/chain-verifier.js';
import { chainLine, GENESIS_HASH, hashEntry } from '../../src/core/hash-chain.js';
import { sampleInput } from './fixtures/ledger-fixtures.js';

describe('ledger cache token fields', () => {
  it('are stored and verified', () => {
    const first = chainLine(null, { ...sampleInput(1), cache_read_tokens: 2548, cache_write_tokens: 0 });
    expect(JSON.parse(first.line)).toMatchObject({ cache_read_tokens: 2548, cache_write_tokens: 0 });
    const second = chainLine(first.entry, sampleInput(2));
    expect(JSON.parse(second.line)).toMatchObject({ cache_read_tokens: null, cache_write_tokens: null });
    expect(verifyChain([first.line, second.line])).toMatchObject({ ok: true, entries: 2 });
  });

  it('may be absent from entries written before them', () => {
    const {
      cache_read_tokens: _read,
      cache_write_tokens: _write,
      ...old
    } = chainLine(null, sampleInput(1)).entry;
    const { hash: _hash, ...unhashed } = old;
    const line = JSON.stringify({ ...unhashed, hash: hashEntry(GENESIS_HASH, unhashed) });
    expect(line).not.toContain('cache_');
    expect(verifyChain([line])).toMatchObject({ ok: true, entries: 1 });
  });

  it('must be counts or null', () => {
    const { hash: _hash, ...unhashed } = chainLine(null, sampleInput(1)).entry;
    const bad = { ...unhashed, cache_read_tokens: 'many' };
    const line = JSON.stringify({ ...bad, hash: hashEntry(GENESIS_HASH, bad) });
    expect(verifyChain([line])).toMatchObject({ ok: false });
  });
});
