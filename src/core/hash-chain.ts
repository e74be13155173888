// The ledger's hash chain (SPEC §6): each entry's hash is SHA-256 over the previous entry's
// hash followed by its own canonical JSON without `hash`, so editing, deleting or reordering
// any line breaks every link after it. Pure: hashing is computation, not I/O.

import { canonicalJson } from './canonical-json.js';
import type { LedgerEntry, LedgerEntryInput } from './ledger-entry.js';
import { HEX64, PROMPT_PREVIEW_LIMIT } from './ledger-entry-shape.js';
import { sha256Hex } from './sha256.js';

/** The `prev_hash` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

export { PROMPT_PREVIEW_LIMIT } from './ledger-entry-shape.js';

/** Where a chain ends: the last entry's seq and hash (seq 0 and GENESIS_HASH when empty). */
export interface ChainHead {
  seq: number;
  hash: string;
}

export type EntryWithoutHash = Omit<LedgerEntry, 'hash'>;

export function hashEntry(prevHash: string, entry: EntryWithoutHash | Record<string, unknown>): string {
  return hashCanonical(prevHash, canonicalJson(entry));
}

function hashCanonical(prevHash: string, canonical: string): string {
  return sha256Hex(prevHash + canonical);
}

/** An entry and its line in the ledger file (without the newline). */
export interface ChainedLine {
  entry: LedgerEntry;
  line: string;
}

/**
 * Builds the entry that follows `previous` (null for the first). Copies only the fields the
 * ledger defines, so a caller's extra properties (a full prompt, say) never reach the file,
 * and cuts `prompt_preview` to PROMPT_PREVIEW_LIMIT characters.
 */
export function chainEntry(previous: ChainHead | null, input: LedgerEntryInput): LedgerEntry {
  return sealEntry(previous, input).entry;
}

/**
 * chainEntry plus the line to store, the file writer's hot path. JSON.stringify keeps
 * insertion order, so an entry built with its keys in sorted order serialises canonically when
 * every value is a primitive (a test checks this against canonicalJson); the stored line is
 * that canonical text with `hash` added last: one serialisation per entry.
 */
export function chainLine(previous: ChainHead | null, input: LedgerEntryInput): ChainedLine {
  const { entry, canonical } = sealEntry(previous, input);
  return { entry, line: `${canonical.slice(0, -1)},"hash":"${entry.hash}"}` };
}

/**
 * The entry with its hash, and its canonical JSON (without `hash`). The entry is a second
 * literal, made once the hash is known, rather than the serialised object with `hash` added:
 * adding a property to a finished object gave every kept entry a separate property array
 * (about 50 bytes), and the added transition cost more than the second literal.
 */
function sealEntry(
  previous: ChainHead | null,
  input: LedgerEntryInput,
): { entry: LedgerEntry; canonical: string } {
  const prevHash = previous?.hash ?? GENESIS_HASH;
  const seq = (previous?.seq ?? 0) + 1;
  const preview = cutPreview(input.prompt_preview);
  const sorted: EntryWithoutHash = {
    attempt: input.attempt,
    cache_read_tokens: input.cache_read_tokens ?? null,
    cache_write_tokens: input.cache_write_tokens ?? null,
    cost_source: input.cost_source,
    cost_usd: input.cost_usd,
    duration_ms: input.duration_ms,
    error: input.error,
    input_tokens: input.input_tokens,
    kind: input.kind,
    model: input.model,
    output_tokens: input.output_tokens,
    prev_hash: prevHash,
    prompt_preview: preview,
    provider: input.provider,
    seq,
    subtask_id: input.subtask_id,
    success: input.success,
    task_id: input.task_id,
    timestamp: input.timestamp,
  };
  const canonical = hasOnlyPrimitives(sorted) ? JSON.stringify(sorted) : canonicalJson(sorted);
  const entry: LedgerEntry = {
    attempt: sorted.attempt,
    cache_read_tokens: sorted.cache_read_tokens ?? null,
    cache_write_tokens: sorted.cache_write_tokens ?? null,
    cost_source: sorted.cost_source,
    cost_usd: sorted.cost_usd,
    duration_ms: sorted.duration_ms,
    error: sorted.error,
    input_tokens: sorted.input_tokens,
    kind: sorted.kind,
    model: sorted.model,
    output_tokens: sorted.output_tokens,
    prev_hash: prevHash,
    prompt_preview: preview,
    provider: sorted.provider,
    seq,
    subtask_id: sorted.subtask_id,
    success: sorted.success,
    task_id: sorted.task_id,
    timestamp: sorted.timestamp,
    hash: hashCanonical(prevHash, canonical),
  };
  return { entry, canonical };
}

/** Only string fields could hold an object from an untyped caller; numbers and flags are checked anyway. */
function hasOnlyPrimitives(entry: EntryWithoutHash): boolean {
  return (
    isPrimitive(entry.timestamp) &&
    isPrimitive(entry.task_id) &&
    isPrimitive(entry.subtask_id) &&
    isPrimitive(entry.kind) &&
    isPrimitive(entry.attempt) &&
    isPrimitive(entry.provider) &&
    isPrimitive(entry.model) &&
    isPrimitive(entry.success) &&
    isPrimitive(entry.input_tokens) &&
    isPrimitive(entry.output_tokens) &&
    isPrimitive(entry.cost_usd) &&
    isPrimitive(entry.cost_source) &&
    isPrimitive(entry.duration_ms) &&
    isPrimitive(entry.error) &&
    isPrimitive(entry.prompt_preview)
  );
}

function isPrimitive(value: unknown): boolean {
  return typeof value !== 'object' || value === null;
}

/** Cuts to PROMPT_PREVIEW_LIMIT UTF-16 units, never leaving half of a surrogate pair. */
export function cutPreview(text: string): string {
  if (text.length <= PROMPT_PREVIEW_LIMIT) return text;
  const last = text.charCodeAt(PROMPT_PREVIEW_LIMIT - 1);
  const isHighSurrogate = last >= 0xd800 && last <= 0xdbff;
  return text.slice(0, isHighSurrogate ? PROMPT_PREVIEW_LIMIT - 1 : PROMPT_PREVIEW_LIMIT);
}

/** The head file's record: the last durable entry and the file's byte size through it. */
export interface HeadRecord extends ChainHead {
  /** Absent in heads written before it was recorded. */
  size?: number;
}

/** Reads a head record ({seq, hash, size?}); returns a description of the problem when it is not one. */
export function parseChainHead(text: string): HeadRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not valid JSON';
  }
  if (typeof value !== 'object' || value === null) return 'not an object';
  const { seq, hash, size } = value as Record<string, unknown>;
  if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0) return 'seq is not a whole number';
  if (typeof hash !== 'string' || !HEX64.test(hash)) return 'hash is not 64 hex digits';
  if (size === undefined) return { seq, hash };
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) return 'size is not a whole number';
  return { seq, hash, size };
}
