// The token-store port: the API's bearer tokens, kept only as SHA-256 digests. The HTTP
// server reads it to authenticate; `symbiont token` writes it. Adapter: a JSON file.

export interface TokenRecord {
  /**
   * Unique and never reused, even after the token is revoked: the owner of the tasks the token
   * submits. `NAME@RANDOM` for tokens made since ids exist; the name itself for older ones.
   */
  id: string;
  /** Unique among the current tokens; shown in logs and listings. */
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
  /** Adds a record; rejects with CONFLICT when the name or the id is taken. */
  add(record: TokenRecord): Promise<void>;
  /** Removes the record with this name; resolves false when there was none. */
  remove(name: string): Promise<boolean>;
}
