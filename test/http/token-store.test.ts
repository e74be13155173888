import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileTokenStore } from '../../src/adapters/auth/file-token-store.js';
import { issueToken } from '../../src/adapters/auth/issue-token.js';
import { findDigest, hashToken } from '../../src/adapters/auth/token-secrets.js';

const homes: string[] = [];
function storeInTemp(): { store: FileTokenStore; path: string } {
  const home = mkdtempSync(join(tmpdir(), 'symbiont-tokens-'));
  homes.push(home);
  const path = join(home, 'tokens.json');
  return { store: new FileTokenStore(path), path };
}
afterEach(() => {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});

describe('the file token store', () => {
  it('keeps every token when many are created at once', async () => {
    const { store } = storeInTemp();
    await Promise.all(Array.from({ length: 12 }, (_, index) => issueToken(store, { name: `user-${index}` })));
    expect(new Set((await store.list()).map((record) => record.name)).size).toBe(12);
  });

  it('refuses a second token with the same name', async () => {
    const { store } = storeInTemp();
    await issueToken(store, { name: 'ci' });
    await expect(issueToken(store, { name: 'ci' })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('fails closed on a damaged file rather than reading it as "no tokens"', async () => {
    const { store, path } = storeInTemp();
    writeFileSync(path, '{"version": 1, "tokens": [');
    await expect(store.list()).rejects.toMatchObject({ code: 'CONFIG' });
  });

  it('finds a digest among many, and nothing for a near miss', async () => {
    const digests = ['a', 'b', 'c'].map((text) => Buffer.from(hashToken(text), 'hex'));
    expect(findDigest(Buffer.from(hashToken('b'), 'hex'), digests)).toBe(1);
    expect(findDigest(Buffer.from(hashToken('d'), 'hex'), digests)).toBe(-1);
  });
});

describe('token ids', () => {
  it("are new for every token, even one with a revoked token's name", async () => {
    const { store } = storeInTemp();
    const first = await issueToken(store, { name: 'ci' });
    await store.remove('ci');
    const second = await issueToken(store, { name: 'ci' });
    expect(first.record.id).toMatch(/^ci@[0-9a-f]{16}$/);
    expect(second.record.id).not.toBe(first.record.id);
    expect((await store.list()).map((record) => record.id)).toEqual([second.record.id]);
  });

  it('are the name for a record written before ids existed, and stay so when the file is rewritten', async () => {
    const { store, path } = storeInTemp();
    const legacy = {
      name: 'old',
      sha256: hashToken('symb_old'),
      admin: false,
      created_at: '2026-01-01T00:00:00.000Z',
    };
    writeFileSync(path, JSON.stringify({ version: 1, tokens: [legacy] }));
    expect((await store.list())[0]?.id).toBe('old');
    await issueToken(store, { name: 'new' });
    const ids = (await store.list()).map((record) => record.id);
    expect(ids[0]).toBe('old');
    expect(ids[1]).toMatch(/^new@/);
    expect(JSON.parse(readFileSync(path, 'utf8')).tokens[0].id).toBe('old');
  });
});
