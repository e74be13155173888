// The ledger port: one append-only, hash-chained entry per model call (SPEC §6).

export type CostSource = 'provider' | 'tokens' | 'estimate';

/** What the engine knows about one call; the ledger adds seq, prev_hash and hash. */
export interface LedgerEntryInput {
  timestamp: string;
  task_id: string;
  subtask_id: string | null;
  kind: 'plan' | 'subtask';
  attempt: number;
  provider: string;
  model: string;
  success: boolean;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd: number;
  cost_source: CostSource;
  duration_ms: number;
  error: string | null;
  /** First 100 characters of the prompt, never more. */
  prompt_preview: string;
}

export interface LedgerEntry extends LedgerEntryInput {
  seq: number;
  prev_hash: string;
  hash: string;
}

export interface Ledger {
  /**
   * Appends one entry. Resolves once it is durable (fsync, batched with concurrent appends);
   * rejects with a LEDGER_WRITE SymbiontError if it could not be written. Never swallows.
   */
  append(entry: LedgerEntryInput): Promise<LedgerEntry>;
  /** Flushes pending appends and releases the file. */
  close(): Promise<void>;
}
