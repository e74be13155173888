import { describe, expect, it } from 'vitest';
import { issueToken } from '../../src/adapters/auth/issue-token.js';
import { Authenticator } from '../../src/http/auth.js';
import type { TokenRecord, TokenStore } from '../../src/ports/token-store.js';

/** A token store in memory that counts its reads. */
function memoryTokens(): TokenStore & { reads: number } {
  const records: TokenRecord[] = [];
  return {
    reads: 0,
    async list() {
      this.reads++;
      return records.map((record) => ({ ...record }));
    },
    async add(record) {
      records.push({ ...record });
    },
    async remove(name) {
      const position = records.findIndex((record) => record.name === name);
      if (position >= 0) records.splice(position, 1);
      return position >= 0;
    },
  };
}

async function setUp() {
  const tokens = memoryTokens();
  const alice = (await issueToken(tokens, { name: 'alice' })).token;
  const bob = (await issueToken(tokens, { name: 'bob', admin: true })).token;
  let now = 0;
  const authenticator = new Authenticator({ tokens, allowAnonymous: false, cacheMs: 1000, now: () => now });
  await authenticator.hasTokens(); // loads the first snapshot
  return { tokens, alice, bob, authenticator, advance: (ms: number) => (now += ms) };
}

describe('Authenticator, per-connection reuse of a verified header', () => {
  it('answers a repeated header on one connection with the same principal', async () => {
    const { alice, authenticator } = await setUp();
    const connection = {};
    const first = authenticator.authenticateNow(`Bearer ${alice}`, connection);
    const again = authenticator.authenticateNow(`Bearer ${alice}`, connection);
    expect(first).toEqual({ id: expect.stringMatching(/^alice@/), name: 'alice', admin: false });
    expect(again).toBe(first);
  });

  it('checks any other header on that connection in full: a bad token after a good one is refused', async () => {
    const { alice, bob, authenticator } = await setUp();
    const connection = {};
    expect(authenticator.authenticateNow(`Bearer ${alice}`, connection)?.name).toBe('alice');
    for (const bad of [`${alice}x`, alice.slice(0, -1), 'symb_nope']) {
      expect(() => authenticator.authenticateNow(`Bearer ${bad}`, connection)).toThrow(/not valid/);
    }
    expect(() => authenticator.authenticateNow(undefined, connection)).toThrow(/Bearer/);
    // Another valid token on the same connection is that token's principal, not the cached one.
    expect(authenticator.authenticateNow(`Bearer ${bob}`, connection)).toEqual({
      id: expect.stringMatching(/^bob@/),
      name: 'bob',
      admin: true,
    });
    expect(authenticator.authenticateNow(`Bearer ${alice}`, connection)?.name).toBe('alice');
  });

  it('does not carry a verification from one connection to another', async () => {
    const { alice, authenticator } = await setUp();
    expect(authenticator.authenticateNow(`Bearer ${alice}`, {})?.name).toBe('alice');
    expect(() => authenticator.authenticateNow(`Bearer ${alice}x`, {})).toThrow(/not valid/);
  });

  it('drops the reuse when the token store is read again: a revoked token is refused on its own connection', async () => {
    const { tokens, alice, authenticator, advance } = await setUp();
    const connection = {};
    expect(authenticator.authenticateNow(`Bearer ${alice}`, connection)?.name).toBe('alice');
    await tokens.remove('alice');
    // Within the snapshot's lifetime the revocation is not yet seen (as without the reuse).
    expect(authenticator.authenticateNow(`Bearer ${alice}`, connection)?.name).toBe('alice');
    advance(1000);
    expect(authenticator.authenticateNow(`Bearer ${alice}`, connection)).toBeUndefined();
    await expect(authenticator.authenticate(`Bearer ${alice}`)).rejects.toThrow(/not valid/);
    expect(() => authenticator.authenticateNow(`Bearer ${alice}`, connection)).toThrow(/not valid/);
    expect(tokens.reads).toBe(2);
  });
});
