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

describe('Authenticator.authenticateNow: every request checks its token in full', () => {
  it('answers a valid token with its principal, every time it is sent', async () => {
    const { alice, authenticator } = await setUp();
    const first = authenticator.authenticateNow(`Bearer ${alice}`);
    expect(first).toEqual({ id: expect.stringMatching(/^alice@/), name: 'alice', admin: false });
    expect(authenticator.authenticateNow(`Bearer ${alice}`)).toEqual(first);
  });

  it('refuses a bad token sent after a good one, and answers another good token as its own principal', async () => {
    const { alice, bob, authenticator } = await setUp();
    expect(authenticator.authenticateNow(`Bearer ${alice}`)?.name).toBe('alice');
    for (const bad of [`${alice}x`, alice.slice(0, -1), 'symb_nope']) {
      expect(() => authenticator.authenticateNow(`Bearer ${bad}`)).toThrow(/not valid/);
    }
    expect(() => authenticator.authenticateNow(undefined)).toThrow(/Bearer/);
    expect(() => authenticator.authenticateNow(`Basic ${alice}`)).toThrow(/Bearer/);
    expect(authenticator.authenticateNow(`Bearer ${bob}`)).toEqual({
      id: expect.stringMatching(/^bob@/),
      name: 'bob',
      admin: true,
    });
    expect(authenticator.authenticateNow(`Bearer ${alice}`)?.name).toBe('alice');
  });

  it('applies a revocation once the token store is read again', async () => {
    const { tokens, alice, authenticator, advance } = await setUp();
    expect(authenticator.authenticateNow(`Bearer ${alice}`)?.name).toBe('alice');
    await tokens.remove('alice');
    // Within the snapshot's lifetime the revocation is not yet seen.
    expect(authenticator.authenticateNow(`Bearer ${alice}`)?.name).toBe('alice');
    advance(1000);
    expect(authenticator.authenticateNow(`Bearer ${alice}`)).toBeUndefined();
    await expect(authenticator.authenticate(`Bearer ${alice}`)).rejects.toThrow(/not valid/);
    expect(() => authenticator.authenticateNow(`Bearer ${alice}`)).toThrow(/not valid/);
    expect(tokens.reads).toBe(2);
  });
});
