// The shape of a ledger entry, checked field by field: what append accepts from a caller and
// what a line read back must hold. Says nothing of the chain; see hash-chain.ts.

import type { LedgerEntryInput } from './ledger-entry.js';

/** The ledger keeps at most this many characters of a prompt. */
export const PROMPT_PREVIEW_LIMIT = 100;

/** A SHA-256 digest in lower-case hex. */
export const HEX64 = /^[0-9a-f]{64}$/;

const isCount = (value: unknown) => typeof value === 'number' && Number.isFinite(value);
const isCountOrNull = (value: unknown) => value === null || isCount(value);
const isText = (value: unknown) => typeof value === 'string';
const isTextOrNull = (value: unknown) => value === null || isText(value);
/** A field added after SPEC §6: older entries lack it. */
const isAbsentOrCount = (value: unknown) => value === undefined || isCountOrNull(value);

const INPUT_FIELDS: Record<keyof LedgerEntryInput, (value: unknown) => boolean> = {
  timestamp: isText,
  task_id: isText,
  subtask_id: isTextOrNull,
  kind: (value) => value === 'plan' || value === 'subtask' || value === 'synthesis',
  attempt: isCount,
  provider: isText,
  model: isText,
  success: (value) => typeof value === 'boolean',
  input_tokens: isCountOrNull,
  output_tokens: isCountOrNull,
  cache_read_tokens: isAbsentOrCount,
  cache_write_tokens: isAbsentOrCount,
  cost_usd: isCount,
  cost_source: (value) => value === 'provider' || value === 'tokens' || value === 'estimate',
  duration_ms: isCount,
  error: isTextOrNull,
  prompt_preview: isText,
};

const INPUT_CHECKS = Object.entries(INPUT_FIELDS);

/** Every field a stored entry has; any other is refused, so nothing can ride along in a line. */
const ENTRY_FIELDS = new Set([...Object.keys(INPUT_FIELDS), 'seq', 'prev_hash', 'hash']);

/** Why `input` cannot be ledgered (a missing field, a wrong type, a non-finite number), or undefined. */
export function inputShapeProblem(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null) return 'not an object';
  const record = input as Record<string, unknown>;
  for (const [field, isValid] of INPUT_CHECKS) {
    if (!isValid(record[field])) return `field ${field} is missing or has the wrong type`;
  }
  return undefined;
}

/** Why a parsed line is not a well-formed ledger entry, or undefined. Says nothing of the chain. */
export function entryShapeProblem(record: Record<string, unknown>): string | undefined {
  const inputProblem = inputShapeProblem(record);
  if (inputProblem) return inputProblem;
  for (const field in record) {
    if (!ENTRY_FIELDS.has(field)) return `unknown field ${JSON.stringify(field)}`;
  }
  if ((record.prompt_preview as string).length > PROMPT_PREVIEW_LIMIT) return 'prompt_preview is too long';
  if (typeof record.seq !== 'number' || !Number.isInteger(record.seq) || record.seq < 1) {
    return 'seq is not a positive whole number';
  }
  if (typeof record.hash !== 'string' || !HEX64.test(record.hash)) return 'hash is not 64 hex digits';
  if (typeof record.prev_hash !== 'string' || !HEX64.test(record.prev_hash)) {
    return 'prev_hash is not 64 hex digits';
  }
  return undefined;
}
