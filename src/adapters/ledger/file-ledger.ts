// The JSONL ledger on disk (SPEC §6): hash-chained entries appended in group commits (one
// write and one fdatasync per batch of concurrent appends), a head file that makes truncation
// visible, a torn last line set aside at open, a lock so several processes share one chain,
// and, given a signer, signed checkpoints of its head (ledger-checkpoints.ts).

import { SymbiontError } from '../../core/errors.js';
import { type ChainHead, chainLine } from '../../core/hash-chain.js';
import { inputShapeProblem } from '../../core/ledger-entry-shape.js';
import type { Ledger, LedgerEntry, LedgerEntryInput } from '../../ports/ledger.js';
import {
  describe,
  type FileLedgerOptions,
  type ResolvedOptions,
  resolveOptions,
  writeError,
} from './file-ledger-options.js';
import { FileLock } from './file-lock.js';
import {
  type ChainPosition,
  positionFromHead,
  readChainHead,
  scanChain,
  writeChainHead,
} from './ledger-chain-io.js';
import { Checkpointer, checkpointsPath } from './ledger-checkpoints.js';
import { makePrivate, writeFully } from './ledger-file-system.js';

export type { FileLedgerOptions } from './file-ledger-options.js';
export { writeError } from './file-ledger-options.js';

/** Entries written in one batch at most; more wait for the next batch. */
const MAX_BATCH = 8192;

interface PendingAppend {
  input: LedgerEntryInput;
  resolve: (entry: LedgerEntry) => void;
  reject: (error: unknown) => void;
}

/**
 * Opens (creating if needed) the ledger at `path`, verifies its chain (see `verifyAtOpen`)
 * against `<path>.head`, and sets a torn last line aside in `<path>.torn-<time>`. Rejects with
 * LEDGER_CORRUPT when the chain is broken before its last line or entries were truncated
 * (unless `whenCorrupt` says otherwise), and with LEDGER_WRITE when the file cannot be opened
 * or repaired.
 */
export async function openFileLedger(path: string, options: FileLedgerOptions = {}): Promise<FileLedger> {
  const resolved = resolveOptions(options);
  const { fileSystem } = resolved;
  let fd: number;
  try {
    fd = await fileSystem.open(path, 'a+', 0o600);
  } catch (error) {
    throw writeError(`cannot open ledger ${path}`, path, error);
  }
  // Created 0600; one made wider by an older version or by hand is narrowed.
  await makePrivate(path);
  const lock = new FileLock(`${path}.lock`, { fileSystem, staleMs: resolved.lockStaleMs, now: resolved.now });
  const checkpointer = resolved.signer
    ? new Checkpointer(path, { ...resolved, signer: resolved.signer, policy: resolved.checkpointPolicy })
    : undefined;
  try {
    const head = await readChainHead(fileSystem, path, resolved.onWarning);
    await lock.acquire();
    let position: ChainPosition;
    let corruption: SymbiontError | undefined;
    try {
      const trusted =
        head && resolved.verifyAtOpen === 'tail' ? await positionFromHead(fileSystem, fd, head) : undefined;
      if (trusted?.moved) {
        resolved.onWarning(
          `ledger ${path}: the head's entry (seq ${trusted.seq}) ends at byte ${trusted.size}, not at byte ${head?.size} ` +
            'as the head recorded: bytes before it were edited, added or removed. Appends go on from it; ' +
            `run \`symbiont ledger verify --file ${path} --key PUB\` to name the damage`,
        );
      }
      const scan = await scanChain({ fileSystem, fd, path, options: resolved, head }, trusted ?? null);
      position = scan.position;
      corruption = scan.corruption;
      await checkpointer?.load(position);
      const contradiction = checkpointer?.contradiction(position);
      if (contradiction && !corruption) corruption = contradictsCheckpoint(path, contradiction);
    } finally {
      await lock.release();
    }
    if (corruption && resolved.whenCorrupt === 'refuse-open') throw corruption;
    return new FileLedger(path, fd, lock, position, resolved, corruption, checkpointer);
  } catch (error) {
    await fileSystem.close(fd).catch(() => undefined);
    throw SymbiontError.is(error) ? error : writeError(`cannot open ledger ${path}`, path, error);
  }
}

export class FileLedger implements Ledger {
  private pending: PendingAppend[] = [];
  private flushing: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  /** Set by a failed write (or a broken chain found): every later append rejects with it. */
  private failure: SymbiontError | undefined;
  /** A timed checkpoint is due: the flush loop writes it once the queue is empty. */
  private checkpointWanted = false;
  private checkpointTimer: NodeJS.Timeout | undefined;

  /** @internal use openFileLedger */
  constructor(
    readonly path: string,
    private readonly fd: number,
    private readonly lock: FileLock,
    private position: ChainPosition,
    private readonly options: ResolvedOptions,
    corruption: SymbiontError | undefined,
    private readonly checkpointer: Checkpointer | undefined,
  ) {
    this.failure = corruption;
    if (checkpointer?.hasUnsigned) this.scheduleCheckpoint();
  }

  /** The last entry this ledger wrote or read: seq 0 and 64 zeros when empty. */
  get head(): ChainHead {
    return { seq: this.position.seq, hash: this.position.hash };
  }

  append(input: LedgerEntryInput): Promise<LedgerEntry> {
    const problem = inputShapeProblem(input);
    if (problem) {
      return Promise.reject(new SymbiontError('INVALID_ARGUMENT', `cannot ledger this call: ${problem}`));
    }
    if (this.failure) return Promise.reject(this.refusal());
    if (this.closing) {
      return Promise.reject(new SymbiontError('LEDGER_WRITE', `ledger ${this.path} is closed`));
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ input, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /**
   * Waits for every pending append to be stored (or rejected), signs a checkpoint covering
   * everything (when there is a signer and the chain is sound), then releases the file.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.flushing;
      clearTimeout(this.checkpointTimer);
      if (this.checkpointer && !this.failure) await this.checkpointUnderLock();
      await this.options.fileSystem.close(this.fd);
    })();
    return this.closing;
  }

  private scheduleCheckpoint(): void {
    if (this.checkpointTimer !== undefined || this.closing) return;
    this.checkpointTimer = setTimeout(() => {
      this.checkpointTimer = undefined;
      if (this.closing || this.failure) return;
      this.checkpointWanted = true;
      this.flushing ??= this.flush();
    }, this.options.checkpointPolicy.everyMs);
    this.checkpointTimer.unref();
  }

  /** Signs the chain's end as it is on disk now (another process may have appended). */
  private async checkpointUnderLock(): Promise<void> {
    const checkpointer = this.checkpointer!;
    try {
      await this.lock.acquire();
    } catch (error) {
      this.options.onWarning(`cannot lock ledger ${this.path} to checkpoint it: ${describe(error)}`);
      return;
    }
    try {
      await this.catchUp();
      await checkpointer.signNow(this.position);
    } catch (error) {
      this.options.onWarning(`ledger ${this.path} not checkpointed: ${describe(error)}`);
    } finally {
      await this.lock.release().catch(() => undefined);
    }
  }

  private async flush(): Promise<void> {
    // One microtask lets every append issued in the same turn join the first batch; later ones
    // gather while this batch is being written and synced.
    await Promise.resolve();
    while (this.pending.length > 0 || this.checkpointWanted) {
      if (this.pending.length === 0) {
        this.checkpointWanted = false;
        await this.checkpointUnderLock();
        continue;
      }
      const batch = this.pending.splice(0, MAX_BATCH);
      if (this.failure) {
        const refusal = this.refusal();
        for (const item of batch) item.reject(refusal);
        continue;
      }
      await this.commit(batch);
    }
    this.flushing = undefined;
  }

  /**
   * Writes one batch under the lock. Its appends settle as soon as the data is synced; the head
   * update and the unlock follow, while callers already go on (and queue the next batch).
   */
  private async commit(batch: PendingAppend[]): Promise<void> {
    try {
      await this.lock.acquire();
    } catch (error) {
      const failure = writeError(`cannot lock ledger ${this.path} (${this.lock.path})`, this.path, error);
      for (const item of batch) item.reject(failure);
      return;
    }
    try {
      await this.catchUp();
      const entries = await this.writeBatch(batch.map((item) => item.input));
      for (const [index, item] of batch.entries()) item.resolve(entries[index]!);
      await this.writeHead();
      if (this.checkpointer) {
        await this.checkpointer.afterCommit(this.position);
        if (this.checkpointer.hasUnsigned) this.scheduleCheckpoint();
      }
    } catch (error) {
      for (const item of batch) item.reject(error);
    } finally {
      await this.lock.release().then(
        (released) => {
          if (!released) this.options.onWarning(`ledger lock ${this.lock.path} was taken over while held`);
        },
        (error: unknown) =>
          this.options.onWarning(`cannot remove ledger lock ${this.lock.path}: ${describe(error)}`),
      );
    }
  }

  /**
   * Records the last durable entry in `<path>.head`, without a sync of its own: after a power
   * loss the head may be behind or unreadable (tolerated, with a warning), never ahead of the data.
   */
  private async writeHead(): Promise<void> {
    try {
      await writeChainHead(this.options.fileSystem, this.path, this.position, false);
    } catch (error) {
      // The entries are stored; only truncation detection after them is weaker until the next batch.
      this.options.onWarning(
        `could not update ledger head ${this.path}.head (${describe(error)}); entries up to seq ${this.position.seq} are stored`,
      );
    }
  }

  /** Another process may have appended since our last batch: check its lines and chain onto them. */
  private async catchUp(): Promise<void> {
    const { fileSystem } = this.options;
    let size: number;
    try {
      size = (await fileSystem.fstat(this.fd)).size;
    } catch (error) {
      throw writeError(`cannot read ledger ${this.path}`, this.path, error);
    }
    if (size === this.position.size) return;
    if (size < this.position.size) {
      this.failure = new SymbiontError(
        'LEDGER_CORRUPT',
        `ledger ${this.path} shrank from ${this.position.size} to ${size} bytes while open (truncated by something else)`,
        { context: { path: this.path } },
      );
      throw this.failure;
    }
    const context = { fileSystem, fd: this.fd, path: this.path, options: this.options, head: undefined };
    let scan: Awaited<ReturnType<typeof scanChain>>;
    try {
      scan = await scanChain(context, this.position);
    } catch (error) {
      throw writeError(`cannot read what another process appended to ledger ${this.path}`, this.path, error);
    }
    this.position = scan.position;
    if (scan.corruption) {
      this.failure = scan.corruption;
      throw scan.corruption;
    }
  }

  private async writeBatch(inputs: LedgerEntryInput[]): Promise<LedgerEntry[]> {
    const entries: LedgerEntry[] = [];
    let previous: ChainHead = this.position;
    let text = '';
    for (const input of inputs) {
      const { entry, line } = chainLine(previous, input);
      entries.push(entry);
      text += `${line}\n`;
      previous = entry;
    }
    const bytes = Buffer.from(text, 'utf8');
    const { fileSystem } = this.options;
    try {
      await writeFully(fileSystem, this.fd, bytes, null);
      if (this.options.fsync) await fileSystem.fdatasync(this.fd);
    } catch (error) {
      // Best effort: cut a partial write back off. If that fails too, the next open sets it aside.
      await fileSystem.ftruncate(this.fd, this.position.size).catch(() => undefined);
      this.failure = writeError(
        `could not store ${inputs.length} ${inputs.length === 1 ? 'entry' : 'entries'} in ledger ${this.path}`,
        this.path,
        error,
      );
      throw this.failure;
    }
    this.position = {
      seq: previous.seq,
      hash: previous.hash,
      line: this.position.line + entries.length,
      size: this.position.size + bytes.length,
    };
    return entries;
  }

  private refusal(): SymbiontError {
    const failure = this.failure!;
    if (failure.code === 'LEDGER_CORRUPT') return failure;
    return new SymbiontError(
      'LEDGER_WRITE',
      `ledger ${this.path} refuses appends after a failed write (${failure.context.code ?? failure.message}); reopen it once the cause is fixed`,
      { cause: failure, context: failure.context },
    );
  }
}

function contradictsCheckpoint(path: string, detail: string): SymbiontError {
  return new SymbiontError(
    'LEDGER_CORRUPT',
    `ledger ${path} differs from its last signed checkpoint: ${detail}; symbiont will not append to it or sign it. ` +
      `Run \`symbiont ledger verify --file ${path} --key PUB\`; to start a new ledger, move it aside with its .head and ${checkpointsPath(path)}`,
    { context: { path, reason: detail } },
  );
}
