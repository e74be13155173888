// The token-store port: the API's bearer tokens, kept only as SHA-256 digests. The HTTP
// server reads it to authenticate; `symbiont token` writes it. Adapter: a JSON file.

export interface TokenRecord {
  /** Unique, shown in logs and used as the owner of the tasks the token submits. */
  name: string;
  /** SHA-256 (hex) of the token string; the token itself is never stored. */
  sha256: string;
  /** An admin token sees and cancels every task and reads the ledger. */
  admin: boolean;
  /** ISO 8601 UTC. */
  created_at: string;
}

export interface TokenStore {
  /** Every stored token record, oldest first. */
  list(): Promise<TokenRecord[]>;
  /** Adds a record; rejects with CONFLICT when the name is taken. */
  add(record: TokenRecord): Promise<void>;
  /** Removes the record with this name; resolves false when there was none. */
  remove(name: string): Promise<boolean>;
}
