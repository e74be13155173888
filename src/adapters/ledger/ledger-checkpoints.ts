// Writes the ledger's signed checkpoints beside it (`ledger.checkpoints.jsonl`, one signed
// {seq, hash, at, key_id, signature} per line), every N entries or T ms and at close, always
// under the ledger's lock so that their seqs only grow. Reading them back is for the verifier.

import type { ChainHead } from '../../core/hash-chain.js';
import { type Checkpoint, checkpointLine, parseCheckpoint } from '../../core/ledger-checkpoint.js';
import { errorCode, type LedgerFileSystem, writeFully } from './ledger-file-system.js';

/** Signs a head at an ISO time; made from the private key by the composition root. */
export interface CheckpointSigner {
  sign(head: ChainHead, at: string): Checkpoint;
}

export interface CheckpointPolicy {
  /** Sign when this many entries are unsigned. */
  readonly everyEntries: number;
  /** Sign when the oldest unsigned entry is this old (checked by a timer). */
  readonly everyMs: number;
}

export const DEFAULT_CHECKPOINT_POLICY: CheckpointPolicy = { everyEntries: 1000, everyMs: 10_000 };

/** `ledger.jsonl` -> `ledger.checkpoints.jsonl` (any other name gets `.checkpoints.jsonl` added). */
export function checkpointsPath(ledgerPath: string): string {
  return ledgerPath.endsWith('.jsonl')
    ? `${ledgerPath.slice(0, -'.jsonl'.length)}.checkpoints.jsonl`
    : `${ledgerPath}.checkpoints.jsonl`;
}

export interface CheckpointerOptions {
  readonly fileSystem: LedgerFileSystem;
  readonly signer: CheckpointSigner;
  readonly policy: CheckpointPolicy;
  readonly now: () => number;
  readonly fsync: boolean;
  readonly onWarning: (message: string) => void;
}

export class Checkpointer {
  readonly path: string;
  private signedSeq = 0;
  private last: Checkpoint | undefined;
  /** When the first entry not covered by a checkpoint was seen (undefined: all covered). */
  private unsignedSince: number | undefined;

  constructor(
    ledgerPath: string,
    private readonly options: CheckpointerOptions,
  ) {
    this.path = checkpointsPath(ledgerPath);
  }

  /** Reads where the last checkpoint reached; call under the ledger lock. */
  async load(position: ChainHead): Promise<void> {
    const last = await this.readLast().catch((error: unknown) => {
      this.options.onWarning(
        `cannot read ledger checkpoints ${this.path} (${error instanceof Error ? error.message : String(error)}); the next checkpoint covers everything`,
      );
      return undefined;
    });
    this.last = last;
    this.signedSeq = last?.seq ?? 0;
    this.unsignedSince = position.seq > this.signedSeq ? this.options.now() : undefined;
  }

  /**
   * Whether the chain as opened contradicts the last checkpoint where that is cheap to see (the
   * end is at or before it): then it was rewritten or cut since, and must not be signed over.
   */
  contradiction(position: ChainHead): string | undefined {
    const last = this.last;
    if (last === undefined || position.seq > last.seq) return undefined;
    if (position.seq < last.seq) {
      return `it ends at seq ${position.seq} but the checkpoint signed at ${last.at} covers seq ${last.seq} (entries were truncated)`;
    }
    if (position.hash !== last.hash) {
      return `its entry of seq ${last.seq} is not the one signed at ${last.at} (the history was rewritten)`;
    }
    return undefined;
  }

  /** Whether entries are waiting for a checkpoint. */
  get hasUnsigned(): boolean {
    return this.unsignedSince !== undefined;
  }

  /** After a commit: signs when the policy says so. Call under the ledger lock. */
  async afterCommit(position: ChainHead): Promise<void> {
    if (position.seq <= this.signedSeq) return;
    const now = this.options.now();
    this.unsignedSince ??= now;
    const { everyEntries, everyMs } = this.options.policy;
    if (position.seq - this.signedSeq >= everyEntries || now - this.unsignedSince >= everyMs) {
      await this.write(position);
    }
  }

  /** Signs `position` unless the file's last checkpoint covers it already. Call under the ledger lock. */
  async signNow(position: ChainHead): Promise<void> {
    const last = await this.readLast().catch(() => undefined);
    if (last !== undefined && last.seq === position.seq && last.hash === position.hash) {
      this.signedSeq = last.seq;
      this.unsignedSince = undefined;
      return;
    }
    if (position.seq === 0 && last === undefined) return;
    await this.write(position);
  }

  /** Never throws: the entries are stored either way; a missed checkpoint is a warning. */
  private async write(position: ChainHead): Promise<void> {
    const { fileSystem, signer, now, fsync, onWarning } = this.options;
    try {
      const checkpoint = signer.sign(
        { seq: position.seq, hash: position.hash },
        new Date(now()).toISOString(),
      );
      const fd = await fileSystem.open(this.path, 'a', 0o600);
      try {
        await writeFully(fileSystem, fd, Buffer.from(checkpointLine(checkpoint)), null);
        if (fsync) await fileSystem.fdatasync(fd);
      } finally {
        await fileSystem.close(fd);
      }
      this.signedSeq = position.seq;
      this.unsignedSince = undefined;
    } catch (error) {
      onWarning(
        `could not write ledger checkpoint ${this.path} for seq ${position.seq} (${error instanceof Error ? error.message : String(error)}); the entries are stored and the next checkpoint will cover them`,
      );
    }
  }

  /** The last complete, well-formed checkpoint line (signature not checked: the writer trusts its file). */
  private async readLast(): Promise<Checkpoint | undefined> {
    let text: string;
    try {
      text = (await this.options.fileSystem.readFile(this.path)).toString('utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return undefined;
      throw error;
    }
    const lines = text.split('\n');
    lines.pop(); // what follows the last newline: empty, or a torn line
    for (let index = lines.length - 1; index >= 0; index -= 1) {
      const parsed = parseCheckpoint(lines[index]!);
      if (typeof parsed !== 'string') return parsed;
    }
    return undefined;
  }
}

/** The checkpoint lines of a ledger, for the verifier; a missing file is no lines. */
export async function readCheckpointLines(
  fileSystem: LedgerFileSystem,
  ledgerPath: string,
): Promise<{ lines: string[]; torn: boolean; exists: boolean }> {
  let text: string;
  try {
    text = (await fileSystem.readFile(checkpointsPath(ledgerPath))).toString('utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return { lines: [], torn: false, exists: false };
    throw error;
  }
  const lines = text.split('\n');
  const rest = lines.pop() ?? '';
  return { lines, torn: rest !== '', exists: true };
}
