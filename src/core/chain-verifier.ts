// Checks a ledger's hash chain one line at a time and names the first line that breaks it:
// edited, deleted, reordered, cut, out of sequence, or truncated (seen through the head record).
// Pure: lines in, a verdict out.

import { type ChainHead, GENESIS_HASH, hashEntry } from './hash-chain.js';
import type { LedgerEntry } from './ledger-entry.js';
import { entryShapeProblem } from './ledger-entry-shape.js';

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
