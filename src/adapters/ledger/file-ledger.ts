// The JSONL ledger on disk (SPEC §6): hash-chained entries appended in group commits (one
// write and one fdatasync per batch of concurrent appends), a head file that makes truncation
// visible, a torn last line set aside at open, a lock so several processes share one chain,
// and, given a signer, signed checkpoints of its head (ledger-checkpoints.ts). This file opens
// and verifies it; the appends and group commits are file-ledger-appender.ts.

import { SymbiontError } from '../../core/errors.js';
import { FileLedger } from './file-ledger-appender.js';
import { type FileLedgerOptions, resolveOptions, writeError } from './file-ledger-options.js';
import { FileLock } from './file-lock.js';
import { type ChainPosition, positionFromHead, readChainHead, scanChain } from './ledger-chain-io.js';
import { Checkpointer, checkpointsPath } from './ledger-checkpoints.js';
import { makePrivate } from './ledger-file-system.js';

export type { FileLedgerOptions } from './file-ledger-options.js';
export { writeError } from './file-ledger-options.js';

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

function contradictsCheckpoint(path: string, detail: string): SymbiontError {
  return new SymbiontError(
    'LEDGER_CORRUPT',
    `ledger ${path} differs from its last signed checkpoint: ${detail}; symbiont will not append to it or sign it. ` +
      `Run \`symbiont ledger verify --file ${path} --key PUB\`; to start a new ledger, move it aside with its .head and ${checkpointsPath(path)}`,
    { context: { path, reason: detail } },
  );
}
