// Reading and repairing the ledger file's chain for the file ledger: verifying from the start
// (at open) or from the last known entry (after another process appended), setting a torn
// last line aside, and reading and writing the `<path>.head` record.

import { type ChainBroken, ChainVerifier } from '../../core/chain-verifier.js';
import { SymbiontError } from '../../core/errors.js';
import { type ChainHead, type HeadRecord, hashEntry, parseChainHead } from '../../core/hash-chain.js';
import { errorCode, type LedgerFileSystem, readAt, writeNewFile } from './ledger-file-system.js';
import { scanLines } from './line-scanner.js';

/** The last sound entry, its line number and the byte size of the file through it. */
export interface ChainPosition extends ChainHead {
  line: number;
  size: number;
}

export interface ChainScanContext {
  fileSystem: LedgerFileSystem;
  fd: number;
  path: string;
  options: { fsync: boolean; onWarning: (message: string) => void; now: () => number };
  /** Checked when scanning from the start. */
  head: ChainHead | undefined;
}

export interface ChainScan {
  position: ChainPosition;
  /** Set when the chain is broken before its last line, or entries the head records are gone. */
  corruption?: SymbiontError;
}

const EMPTY: ChainPosition = { seq: 0, hash: '0'.repeat(64), line: 0, size: 0 };

/**
 * Verifies the file from `from` (null: from the start, also checking the head) to its end.
 * A torn last line (no newline, or a final line that is not JSON) is copied aside and cut off;
 * any other break is returned as LEDGER_CORRUPT and the file is left as it is.
 */
export async function scanChain(context: ChainScanContext, from: ChainPosition | null): Promise<ChainScan> {
  const { fileSystem, fd } = context;
  const start = from ?? EMPTY;
  const head = from === null ? context.head : undefined;
  const verifier = new ChainVerifier({ start, ...(head ? { head } : {}) });
  const { size } = await fileSystem.fstat(fd);
  let broken: { verdict: ChainBroken; start: number } | undefined;
  let linesAfterBreak = 0;
  let sizeThroughSound = start.size;
  const scan = await scanLines(fileSystem, fd, start.size, size, (line) => {
    if (broken) {
      linesAfterBreak += 1;
      return;
    }
    const outcome = verifier.push(line.text);
    if (outcome.ok) sizeThroughSound = line.end;
    else broken = { verdict: outcome, start: line.start };
  });
  const position: ChainPosition = { ...verifier.position, size: sizeThroughSound };
  if (broken) {
    const isTornLastLine =
      broken.verdict.problem === 'json' && linesAfterBreak === 0 && scan.remainder.length === 0;
    if (!isTornLastLine) return { position, corruption: corruptionError(context.path, broken.verdict) };
    await setTornTailAside(context, broken.start, size, position);
  } else if (scan.remainder.length > 0) {
    await setTornTailAside(context, scan.completeEnd, size, position);
  }
  if (head) {
    const verdict = new ChainVerifier({ start: position, head }).finish();
    if (!verdict.ok) return { position, corruption: corruptionError(context.path, verdict) };
  }
  return { position };
}

function corruptionError(path: string, verdict: ChainBroken): SymbiontError {
  return new SymbiontError(
    'LEDGER_CORRUPT',
    `ledger ${path} is broken at ${verdict.reason}; symbiont will not append to it. ` +
      `Run \`symbiont ledger verify --file ${path}\`, and move it (with ${path}.head) aside to start a new ledger`,
    { context: { path, line: verdict.line, reason: verdict.reason } },
  );
}

async function setTornTailAside(
  context: ChainScanContext,
  from: number,
  to: number,
  position: ChainPosition,
): Promise<void> {
  const { fileSystem, fd, path, options } = context;
  const torn = await readAt(fileSystem, fd, to - from, from);
  const tornPath = await writeAside(fileSystem, path, torn, options);
  await fileSystem.ftruncate(fd, from);
  if (options.fsync) await fileSystem.fdatasync(fd);
  options.onWarning(
    `ledger ${path}: set aside a torn last line (${to - from} bytes, an interrupted write) in ${tornPath}; ` +
      `the ${position.line} entries before it are intact`,
  );
}

async function writeAside(
  fileSystem: LedgerFileSystem,
  path: string,
  bytes: Uint8Array,
  options: { fsync: boolean; now: () => number },
): Promise<string> {
  const stamp = new Date(options.now()).toISOString().replace(/:/g, '-');
  for (let attempt = 0; ; attempt += 1) {
    const tornPath = `${path}.torn-${stamp}${attempt === 0 ? '' : `-${attempt}`}`;
    try {
      await writeNewFile(fileSystem, tornPath, bytes, { exclusive: true, sync: options.fsync });
      return tornPath;
    } catch (error) {
      if (errorCode(error) !== 'EEXIST' || attempt >= 100) throw error;
    }
  }
}

/** Longest line the head check reads back before giving up and scanning the whole file. */
const MAX_LINE_BYTES = 1 << 20;

/** Bytes read per step when looking for the head's entry backwards from the end. */
const SEARCH_WINDOW = 1 << 20;

/** Where the head's entry was found, and whether it had moved from the byte the head recorded. */
export type HeadPosition = ChainPosition & { moved: boolean };

/**
 * Where the chain can be trusted to reach without reading it all: the end of the head's own
 * entry (its seq and hash, self-consistent). It is looked for at the head's recorded size, and
 * when it is not there (bytes before it were edited, added or removed), backwards from the end
 * of the file by its hash, so that damage before the head's entry is treated the same whatever
 * its size: open does not read it (`ledger verify` does). Undefined when the entry is nowhere
 * (truncated or rewritten), so the caller scans from the start and reports why.
 */
export async function positionFromHead(
  fileSystem: LedgerFileSystem,
  fd: number,
  head: HeadRecord,
): Promise<HeadPosition | undefined> {
  if (head.seq === 0) return undefined;
  const fileSize = (await fileSystem.fstat(fd)).size;
  if (
    head.size !== undefined &&
    head.size <= fileSize &&
    (await entryEndsAt(fileSystem, fd, head, head.size))
  ) {
    return { seq: head.seq, hash: head.hash, line: head.seq, size: head.size, moved: false };
  }
  const end = await findEntryEnd(fileSystem, fd, head, fileSize);
  if (end === undefined || !(await entryEndsAt(fileSystem, fd, head, end))) return undefined;
  return { seq: head.seq, hash: head.hash, line: head.seq, size: end, moved: head.size !== undefined };
}

async function entryEndsAt(
  fileSystem: LedgerFileSystem,
  fd: number,
  head: ChainHead,
  end: number,
): Promise<boolean> {
  const line = await readLineEndingAt(fileSystem, fd, end);
  if (line === undefined) return false;
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return false;
  }
  const { hash, ...withoutHash } = record;
  return (
    record.seq === head.seq &&
    hash === head.hash &&
    typeof record.prev_hash === 'string' &&
    hashEntry(record.prev_hash, withoutHash) === hash
  );
}

/** The byte after the newline of the last line ending with the head's hash, searched backwards. */
async function findEntryEnd(
  fileSystem: LedgerFileSystem,
  fd: number,
  head: ChainHead,
  fileSize: number,
): Promise<number | undefined> {
  const needle = Buffer.from(`"hash":"${head.hash}"}\n`);
  let end = fileSize;
  while (end >= needle.length) {
    const start = Math.max(0, end - SEARCH_WINDOW);
    const found = (await readAt(fileSystem, fd, end - start, start)).lastIndexOf(needle);
    if (found >= 0) return start + found + needle.length;
    if (start === 0) return undefined;
    end = start + needle.length - 1; // overlap, so a match across the window's edge is found
  }
  return undefined;
}

/** The line whose newline is the byte before `end`, read backwards in growing windows. */
async function readLineEndingAt(
  fileSystem: LedgerFileSystem,
  fd: number,
  end: number,
): Promise<string | undefined> {
  for (let window = Math.min(end, 4096); ; window = Math.min(end, window * 4)) {
    const bytes = await readAt(fileSystem, fd, window, end - window);
    if (bytes.length < window) return undefined;
    if (bytes[window - 1] !== 0x0a) return undefined;
    const start = bytes.lastIndexOf(0x0a, window - 2) + 1;
    if (start > 0 || window === end) return bytes.toString('utf8', start, window - 1);
    if (window >= MAX_LINE_BYTES) return undefined;
  }
}

export function headPath(path: string): string {
  return `${path}.head`;
}

/** The head record beside the ledger; undefined when missing (an older ledger) or unreadable (warned). */
export async function readChainHead(
  fileSystem: LedgerFileSystem,
  path: string,
  onWarning: (message: string) => void,
): Promise<HeadRecord | undefined> {
  let text: string;
  try {
    text = (await fileSystem.readFile(headPath(path))).toString('utf8');
  } catch (error) {
    if (errorCode(error) !== 'ENOENT')
      onWarning(`cannot read ledger head ${headPath(path)}: ${String(error)}`);
    return undefined;
  }
  const head = parseChainHead(text);
  if (typeof head === 'string') {
    onWarning(`ignoring ledger head ${headPath(path)}: ${head}`);
    return undefined;
  }
  return head;
}

/** Replaces the head record atomically (write a temporary file, optionally sync it, rename it over). */
export async function writeChainHead(
  fileSystem: LedgerFileSystem,
  path: string,
  head: ChainPosition,
  sync: boolean,
): Promise<void> {
  const temporary = `${headPath(path)}.tmp-${process.pid}`;
  const text = `${JSON.stringify({ seq: head.seq, hash: head.hash, size: head.size })}\n`;
  await writeNewFile(fileSystem, temporary, Buffer.from(text), { exclusive: false, sync });
  await fileSystem.rename(temporary, headPath(path));
}
