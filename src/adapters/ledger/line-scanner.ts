// Reads a byte range of an open file as newline-terminated lines, a chunk at a time, so that
// verifying a large ledger needs memory for one chunk, not the whole file.

import type { LedgerFileSystem } from './ledger-file-system.js';

const CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;

export interface ScannedLine {
  text: string;
  /** Byte offset where the line starts. */
  start: number;
  /** Byte offset just past its newline. */
  end: number;
}

export interface ScanResult {
  /** Offset just past the last newline in the range (`from` when there is none). */
  completeEnd: number;
  /** Bytes after the last newline: an unterminated last line, often a torn write. */
  remainder: Buffer;
}

/** Calls `visit` for every complete line in [from, to) and returns what follows the last newline. */
export async function scanLines(
  fileSystem: LedgerFileSystem,
  fd: number,
  from: number,
  to: number,
  visit: (line: ScannedLine) => void,
): Promise<ScanResult> {
  const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(1, to - from)));
  let pieces: Buffer[] = [];
  let lineStart = from;
  let position = from;
  while (position < to) {
    const count = await fileSystem.read(fd, chunk, 0, Math.min(chunk.length, to - position), position);
    if (count === 0) break;
    let cursor = 0;
    for (let newline = chunk.indexOf(NEWLINE, 0); newline !== -1 && newline < count; ) {
      const text =
        pieces.length === 0
          ? chunk.toString('utf8', cursor, newline)
          : Buffer.concat([...pieces, chunk.subarray(cursor, newline)]).toString('utf8');
      const end = position + newline + 1;
      visit({ text, start: lineStart, end });
      pieces = [];
      lineStart = end;
      cursor = newline + 1;
      newline = chunk.indexOf(NEWLINE, cursor);
    }
    if (cursor < count) pieces.push(Buffer.from(chunk.subarray(cursor, count)));
    position += count;
  }
  return { completeEnd: lineStart, remainder: Buffer.concat(pieces) };
}
