// Creating a token: a new random string, stored only as its SHA-256 digest. The string is
// returned to be shown once; nothing can show it again.

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
    name: input.name,
    sha256: hashToken(token),
    admin: input.admin ?? false,
    created_at: (input.now ?? new Date()).toISOString(),
  };
  await store.add(record);
  return { token, record };
}
