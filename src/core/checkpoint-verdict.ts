// Judges a ledger against its signed checkpoints: every checkpoint must carry a valid signature
// of the given key, and the entry at each checkpoint's seq must have the hash it signed. Pure:
// checkpoint lines and the chain's sound entries come in one at a time, a verdict goes out.

import type { KeyObject } from 'node:crypto';
import { type Checkpoint, checkpointSignatureValid, keyIdOf, parseCheckpoint } from './ledger-checkpoint.js';

export type SignedVerdict =
  /** Every entry is covered by a checkpoint whose signature holds and whose hash matches. */
  | { status: 'verified'; through: number; checkpoints: number; signed_at: string }
  /** The checkpoints hold, but entries after the last one are not covered by any. */
  | {
      status: 'unsigned-tail';
      through: number;
      checkpoints: number;
      signed_at: string;
      from: number;
      to: number;
    }
  /** The history differs from a signed checkpoint (rewritten, truncated, emptied). */
  | { status: 'differs'; seq: number; line?: number; detail: string }
  /** A checkpoint line is malformed, signed by another key, or forged. */
  | { status: 'bad-checkpoint'; checkpoint_line: number; detail: string }
  /** Nothing signed to check against (no key, no checkpoints). */
  | { status: 'unverifiable'; detail: string };

/** One line sentence for a verdict, as `ledger verify` prints it. */
export function describeSignedVerdict(verdict: SignedVerdict): string {
  switch (verdict.status) {
    case 'verified':
      return `ledger verified: entries 1..${verdict.through} match ${verdict.checkpoints} signed checkpoint(s), the last signed at ${verdict.signed_at}`;
    case 'unsigned-tail':
      return (
        `unsigned tail: entries ${verdict.from}..${verdict.to} not covered by a checkpoint ` +
        `(entries 1..${verdict.through} match ${verdict.checkpoints} signed checkpoint(s), the last signed at ${verdict.signed_at}; ` +
        'the tail was appended since, by a writer that has not checkpointed yet, or forged)'
      );
    case 'differs':
      return `ledger differs from a signed checkpoint${verdict.line === undefined ? '' : ` at line ${verdict.line}`}: ${verdict.detail}`;
    case 'bad-checkpoint':
      return `ledger unverifiable: checkpoint line ${verdict.checkpoint_line}: ${verdict.detail}`;
    case 'unverifiable':
      return `ledger unverifiable: ${verdict.detail}`;
  }
}

/** How a verdict names where the checkpoints and entries are kept (a file by default). */
export interface JudgeWording {
  /** Why there is no checkpoint. Default: 'the checkpoints file is missing or empty'. */
  readonly noCheckpoints?: string;
  /** What an empty ledger under a checkpoint means. Default: 'the file was emptied or replaced'. */
  readonly emptied?: string;
}

/**
 * Feed it every checkpoint line (`addCheckpoint`), then every sound entry in order (`see`),
 * then `finish` with the chain's last seq. The first problem found is kept.
 */
export class CheckpointJudge {
  private readonly bySeq = new Map<number, Checkpoint>();
  private readonly keyId: string;
  private last: Checkpoint | undefined;
  private count = 0;
  private checkpointLine = 0;
  private problem: SignedVerdict | undefined;
  /** The last checkpoint seq whose entry matched, for naming the range a rewrite lies in. */
  private matchedThrough = 0;

  constructor(
    private readonly publicKey: KeyObject,
    private readonly wording: JudgeWording = {},
  ) {
    this.keyId = keyIdOf(publicKey);
  }

  addCheckpoint(text: string): void {
    this.checkpointLine += 1;
    if (this.problem) return;
    const parsed = parseCheckpoint(text);
    const problem = typeof parsed === 'string' ? parsed : this.checkpointProblem(parsed);
    if (problem !== undefined || typeof parsed === 'string') {
      this.problem = {
        status: 'bad-checkpoint',
        checkpoint_line: this.checkpointLine,
        detail: problem ?? '',
      };
      return;
    }
    this.bySeq.set(parsed.seq, parsed);
    this.last = parsed;
    this.count += 1;
  }

  private checkpointProblem(checkpoint: Checkpoint): string | undefined {
    if (checkpoint.key_id !== this.keyId) {
      return `signed by key ${checkpoint.key_id}, not by the given key ${this.keyId}`;
    }
    if (!checkpointSignatureValid(this.publicKey, checkpoint)) {
      return 'the signature does not verify (the checkpoint was forged or edited)';
    }
    if (this.last && checkpoint.seq < this.last.seq) {
      return `seq ${checkpoint.seq} after a checkpoint of seq ${this.last.seq}`;
    }
    const twin = this.bySeq.get(checkpoint.seq);
    // Both carry valid signatures: the key signed two histories. Never sound.
    if (twin && twin.hash !== checkpoint.hash)
      return `a second, different hash signed for seq ${checkpoint.seq}`;
    return undefined;
  }

  /** An entry the chain verifier found sound, at its 1-based line. */
  see(seq: number, hash: string, line: number): void {
    if (this.problem) return;
    const checkpoint = this.bySeq.get(seq);
    if (checkpoint === undefined) return;
    if (checkpoint.hash !== hash) {
      this.problem = {
        status: 'differs',
        seq,
        line,
        detail:
          `the entry of seq ${seq} is not the one signed at ${checkpoint.at} ` +
          `(the history after seq ${this.matchedThrough} was rewritten, even if its hashes were recomputed)`,
      };
      return;
    }
    this.matchedThrough = seq;
  }

  /** `lastSeq`: the seq of the last sound entry (0 for an empty ledger). */
  finish(lastSeq: number): SignedVerdict {
    if (this.problem) return this.problem;
    const last = this.last;
    if (last === undefined) {
      return {
        status: 'unverifiable',
        detail:
          `no signed checkpoint (${this.wording.noCheckpoints ?? 'the checkpoints file is missing or empty'}): ` +
          'a history rewritten with fresh hashes would look the same',
      };
    }
    if (last.seq > lastSeq) {
      return {
        status: 'differs',
        seq: last.seq,
        line: lastSeq + 1,
        detail:
          lastSeq === 0
            ? `the ledger is empty but a checkpoint signed at ${last.at} covers seq ${last.seq} (${this.wording.emptied ?? 'the file was emptied or replaced'})`
            : `the ledger ends at seq ${lastSeq} but a checkpoint signed at ${last.at} covers seq ${last.seq} (entries were truncated)`,
      };
    }
    const common = { through: last.seq, checkpoints: this.count, signed_at: last.at };
    if (last.seq < lastSeq) return { status: 'unsigned-tail', ...common, from: last.seq + 1, to: lastSeq };
    return { status: 'verified', ...common };
  }
}
