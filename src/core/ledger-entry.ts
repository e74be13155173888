// The ledger's record shapes (SPEC §6): what the engine knows about one model call, and the
// stored entry with its place in the hash chain. Plain data, shared by the core and the ports.

export type CostSource = 'provider' | 'tokens' | 'estimate';

/** What the engine knows about one call; the ledger adds seq, prev_hash and hash. */
export interface LedgerEntryInput {
  timestamp: string;
  task_id: string;
  subtask_id: string | null;
  kind: 'plan' | 'subtask' | 'synthesis';
  attempt: number;
  provider: string;
  model: string;
  success: boolean;
  input_tokens: number | null;
  output_tokens: number | null;
  /**
   * Of input_tokens: read from / written to the provider's prompt cache (priced apart), null
   * when the provider does not say. Not SPEC §6 fields: entries written before them lack them.
   */
  cache_read_tokens?: number | null;
  cache_write_tokens?: number | null;
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
