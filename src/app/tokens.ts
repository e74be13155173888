// The API's bearer tokens for the CLI (`symbiont token`, `symbiont serve`): the file token
// store of the data home, and issuing a token into it.

import { FileTokenStore, tokenFilePath } from '../adapters/auth/file-token-store.js';
import { ensureHome } from '../config/home.js';
import type { TokenStore } from '../ports/token-store.js';

export { issueToken } from '../adapters/auth/issue-token.js';

/** The token store of `home` (default: the data home, created if missing). */
export function openTokenStore(home: string = ensureHome()): TokenStore {
  return new FileTokenStore(tokenFilePath(home));
}
