// A call's ledger entry (SPEC §6), made from the call and its outcome. The runner appends it
// after giving back the call's slot and before emitting what the call led to.

import { isoTime } from '../core/iso-time.js';
import { redactSecrets } from '../core/redact.js';
import type { CallOutcome, CallRequest } from '../ports/call-executor.js';
import type { LedgerEntryInput } from '../ports/ledger.js';

/** `preview`: what prompt_preview shows (its first 100 characters); default: the prompt. */
export function ledgerEntryOf(
  request: CallRequest,
  outcome: CallOutcome,
  now: number,
  preview: string = request.prompt,
): LedgerEntryInput {
  return {
    timestamp: isoTime(now),
    task_id: request.taskId,
    subtask_id: request.subtaskId,
    kind: request.kind,
    attempt: request.attempt,
    provider: outcome.provider,
    model: outcome.model,
    success: outcome.ok,
    input_tokens: outcome.usage.inputTokens,
    output_tokens: outcome.usage.outputTokens,
    cache_read_tokens: outcome.usage.cacheReadTokens,
    cache_write_tokens: outcome.usage.cacheWriteTokens,
    cost_usd: outcome.usage.costUsd,
    cost_source: outcome.usage.costSource,
    duration_ms: Math.max(0, Math.round(outcome.durationMs)),
    error: outcome.ok ? null : redactSecrets(`${outcome.error.code}: ${outcome.error.message}`).slice(0, 500),
    prompt_preview: preview.slice(0, 100),
  };
}
