// The ledger's hash chain (SPEC §6): each entry's hash is SHA-256 over the previous entry's
// hash followed by its own canonical JSON without `hash`, so editing, deleting or reordering
// any line breaks every link after it. Pure: hashing is computation, not I/O.

import * as crypto from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { LedgerEntry, LedgerEntryInput } from './ledger-entry.js';

/** The `prev_hash` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** The ledger keeps at most this many characters of a prompt. */
export const PROMPT_PREVIEW_LIMIT = 100;

/** Where a chain ends: the last entry's seq and hash (seq 0 and GENESIS_HASH when empty). */
export interface ChainHead {
  seq: number;
  hash: string;
}

export type EntryWithoutHash = Omit<LedgerEntry, 'hash'>;

export function hashEntry(prevHash: string, entry: EntryWithoutHash | Record<string, unknown>): string {
  return hashCanonical(prevHash, canonicalJson(entry));
}

/** crypto.hash (Node 20.12+) hashes in one call, about twice as fast as a Hash object for short input. */
const sha256Hex: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha256', text, 'hex')
    : (text) => crypto.createHash('sha256').update(text).digest('hex');

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
  return chainLine(previous, input).entry;
}

/**
 * chainEntry plus the line to store, the writer's hot path. JSON.stringify keeps insertion
 * order, so an entry built with its keys in sorted order serialises canonically when every
 * value is a primitive (a test checks this against canonicalJson); the stored line is that
 * canonical text with `hash` added last: one serialisation per entry.
 */
export function chainLine(previous: ChainHead | null, input: LedgerEntryInput): ChainedLine {
  const prevHash = previous?.hash ?? GENESIS_HASH;
  const sorted: EntryWithoutHash = {
    attempt: input.attempt,
    cost_source: input.cost_source,
    cost_usd: input.cost_usd,
    duration_ms: input.duration_ms,
    error: input.error,
    input_tokens: input.input_tokens,
    kind: input.kind,
    model: input.model,
    output_tokens: input.output_tokens,
    prev_hash: prevHash,
    prompt_preview: cutPreview(input.prompt_preview),
    provider: input.provider,
    seq: (previous?.seq ?? 0) + 1,
    subtask_id: input.subtask_id,
    success: input.success,
    task_id: input.task_id,
    timestamp: input.timestamp,
  };
  const canonical = hasOnlyPrimitives(sorted as unknown as Record<string, unknown>)
    ? JSON.stringify(sorted)
    : canonicalJson(sorted);
  const hash = hashCanonical(prevHash, canonical);
  const entry = sorted as LedgerEntry;
  entry.hash = hash;
  return { entry, line: `${canonical.slice(0, -1)},"hash":"${hash}"}` };
}

function hasOnlyPrimitives(record: Record<string, unknown>): boolean {
  for (const key in record) {
    const value = record[key];
    if (typeof value === 'object' && value !== null) return false;
  }
  return true;
}

/** Cuts to PROMPT_PREVIEW_LIMIT UTF-16 units, never leaving half of a surrogate pair. */
export function cutPreview(text: string): string {
  if (text.length <= PROMPT_PREVIEW_LIMIT) return text;
  const last = text.charCodeAt(PROMPT_PREVIEW_LIMIT - 1);
  const isHighSurrogate = last >= 0xd800 && last <= 0xdbff;
  return text.slice(0, isHighSurrogate ? PROMPT_PREVIEW_LIMIT - 1 : PROMPT_PREVIEW_LIMIT);
}

/** Reads a head record ({seq, hash}); returns a description of the problem when it is not one. */
export function parseChainHead(text: string): ChainHead | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not valid JSON';
  }
  if (typeof value !== 'object' || value === null) return 'not an object';
  const { seq, hash } = value as Record<string, unknown>;
  if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0) return 'seq is not a whole number';
  if (typeof hash !== 'string' || !HEX64.test(hash)) return 'hash is not 64 hex digits';
  return { seq, hash };
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * What kind of break a verifier found. The file ledger treats a final `json` break as a torn
 * write; `unterminated` (a last line without its newline) is reported by file readers.
 */
export type ChainProblem = 'empty' | 'json' | 'shape' | 'hash' | 'link' | 'seq' | 'head' | 'unterminated';

export interface ChainSound {
  ok: true;
  /** Number of entries checked. */
  entries: number;
  /** 0 and GENESIS_HASH for an empty ledger. */
  lastSeq: number;
  lastHash: string;
}

export interface ChainBroken {
  ok: false;
  /** 1-based line of the first break (the line after the last one when entries were truncated). */
  line: number;
  /** The seq the line claims, when it could be read. */
  seq?: number;
  problem: ChainProblem;
  /** Human explanation without the line number, e.g. "hash mismatch (entry was edited)". */
  detail: string;
  /** `line N: detail`. */
  reason: string;
  /** Sound entries before the break. */
  entries: number;
}

export type ChainVerdict = ChainSound | ChainBroken;

export type LinePush = { ok: true; entry: LedgerEntry } | ChainBroken;

export interface ChainVerifierOptions {
  /** Continue a chain already checked up to this point (lines counts the lines consumed). Default: empty. */
  start?: { seq: number; hash: string; line: number };
  /** The head record kept beside the ledger; checked as lines pass and at finish. Default: none. */
  head?: ChainHead;
}

/**
 * Checks a ledger one line at a time, in order, keeping only the last link. After the first
 * break every further push returns that same break.
 */
export class ChainVerifier {
  private seq: number;
  private hash: string;
  private line: number;
  private entries = 0;
  private broken: ChainBroken | undefined;
  private readonly head: ChainHead | undefined;

  constructor(options: ChainVerifierOptions = {}) {
    this.seq = options.start?.seq ?? 0;
    this.hash = options.start?.hash ?? GENESIS_HASH;
    this.line = options.start?.line ?? 0;
    this.head = options.head;
  }

  /** The last sound link and its line number. */
  get position(): { seq: number; hash: string; line: number } {
    return { seq: this.seq, hash: this.hash, line: this.line };
  }

  push(text: string): LinePush {
    if (this.broken) return this.broken;
    const line = this.line + 1;
    const outcome = this.check(text, line);
    if (!outcome.ok) {
      this.broken = outcome;
      return outcome;
    }
    this.line = line;
    this.seq = outcome.entry.seq;
    this.hash = outcome.entry.hash;
    this.entries += 1;
    return outcome;
  }

  finish(): ChainVerdict {
    if (this.broken) return this.broken;
    if (this.head && this.head.seq > this.seq) {
      return this.fail(
        this.line + 1,
        'head',
        `ledger ends at seq ${this.seq} but its head records seq ${this.head.seq} (entries were truncated)`,
      );
    }
    return { ok: true, entries: this.entries, lastSeq: this.seq, lastHash: this.hash };
  }

  private check(text: string, line: number): LinePush {
    if (text.trim() === '') return this.fail(line, 'empty', 'empty line');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return this.fail(line, 'json', 'not valid JSON (truncated or damaged line)');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return this.fail(line, 'shape', 'not a ledger entry (not a JSON object)');
    }
    const record = value as Record<string, unknown>;
    const seq = typeof record.seq === 'number' ? record.seq : undefined;
    const { hash, ...withoutHash } = record;
    const prevHash = record.prev_hash;
    if (typeof hash !== 'string' || typeof prevHash !== 'string' || seq === undefined) {
      return this.fail(line, 'shape', 'not a ledger entry (seq, prev_hash or hash missing)', seq);
    }
    if (hashEntry(prevHash, withoutHash) !== hash) {
      return this.fail(line, 'hash', 'hash mismatch (entry was edited)', seq);
    }
    if (prevHash !== this.hash) {
      const detail =
        this.seq === 0
          ? 'prev_hash is not the genesis hash (entries were deleted from the start)'
          : `prev_hash does not match line ${line - 1} (an entry was deleted or reordered)`;
      return this.fail(line, 'link', detail, seq);
    }
    if (seq !== this.seq + 1) {
      const detail =
        this.seq === 0 ? `seq ${seq} where the ledger starts at seq 1` : `seq ${seq} follows seq ${this.seq}`;
      return this.fail(line, 'seq', detail, seq);
    }
    const shapeProblem = entryShapeProblem(record);
    if (shapeProblem) return this.fail(line, 'shape', `not a ledger entry (${shapeProblem})`, seq);
    if (this.head && this.head.seq === seq && this.head.hash !== hash) {
      return this.fail(
        line,
        'head',
        `hash differs from the head's record for seq ${seq} (the ledger was rewritten)`,
        seq,
      );
    }
    return { ok: true, entry: record as unknown as LedgerEntry };
  }

  private fail(line: number, problem: ChainProblem, detail: string, seq?: number): ChainBroken {
    const broken: ChainBroken = {
      ok: false,
      line,
      problem,
      detail,
      reason: `line ${line}: ${detail}`,
      entries: this.entries,
    };
    if (seq !== undefined) broken.seq = seq;
    return broken;
  }
}

/** Verifies a whole ledger given as lines (without their newlines). */
export function verifyChain(lines: Iterable<string>, options: ChainVerifierOptions = {}): ChainVerdict {
  const verifier = new ChainVerifier(options);
  for (const text of lines) {
    if (!verifier.push(text).ok) break;
  }
  return verifier.finish();
}

const isCount = (value: unknown) => typeof value === 'number' && Number.isFinite(value);
const isCountOrNull = (value: unknown) => value === null || isCount(value);
const isText = (value: unknown) => typeof value === 'string';
const isTextOrNull = (value: unknown) => value === null || isText(value);

const INPUT_FIELDS: Record<keyof LedgerEntryInput, (value: unknown) => boolean> = {
  timestamp: isText,
  task_id: isText,
  subtask_id: isTextOrNull,
  kind: (value) => value === 'plan' || value === 'subtask',
  attempt: isCount,
  provider: isText,
  model: isText,
  success: (value) => typeof value === 'boolean',
  input_tokens: isCountOrNull,
  output_tokens: isCountOrNull,
  cost_usd: isCount,
  cost_source: (value) => value === 'provider' || value === 'tokens' || value === 'estimate',
  duration_ms: isCount,
  error: isTextOrNull,
  prompt_preview: isText,
};

const INPUT_CHECKS = Object.entries(INPUT_FIELDS);

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
