// Creating a token: a new random string, stored only as its SHA-256 digest. The string is
// returned to be shown once; nothing can show it again. Its id, `NAME@` and 16 random hex
// digits, is new too: a token made with a revoked token's name does not own that one's tasks
// (names cannot hold `@`, so no id of a token older than ids, which is its name, can recur).

import { randomBytes } from 'node:crypto';
import type { TokenRecord, TokenStore } from '../../ports/token-store.js';
import { assertTokenName, generateToken, hashToken } from './token-secrets.js';

export interface IssueTokenInput {
  name: string;
  admin?: boolean;
  /** Creation time. Default: now. */
  now?: Date;
}

export async function issueToken(
  store: TokenStore,
  input: IssueTokenInput,
): Promise<{ token: string; record: TokenRecord }> {
  assertTokenName(input.name);
  const token = generateToken();
  const record: TokenRecord = {
    id: `${input.name}@${randomBytes(8).toString('hex')}`,
    name: input.name,
    sha256: hashToken(token),
    admin: input.admin ?? false,
    created_at: (input.now ?? new Date()).toISOString(),
  };
  await store.add(record);
  return { token, record };
}
