// The file operations the file ledger uses, as one small seam: node:fs by default, and a
// wrapper in tests that counts fsyncs or fails a write with ENOSPC or EIO on demand; and a
// wrapper that retries transient resource errors (EMFILE...).

import * as fs from 'node:fs';
import { retryTransient } from '../system/transient-retry.js';

export interface LedgerFileSystem {
  open(path: string, flags: string, mode?: number): Promise<number>;
  close(fd: number): Promise<void>;
  /** Resolves with the number of bytes read (0 at end of file). */
  read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  /** Resolves with the number of bytes written, which may be fewer than asked. Null position: append. */
  write(
    fd: number,
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number | null,
  ): Promise<number>;
  fdatasync(fd: number): Promise<void>;
  fstat(fd: number): Promise<{ size: number }>;
  ftruncate(fd: number, length: number): Promise<void>;
  stat(path: string): Promise<{ ino: number; mtimeMs: number }>;
  readFile(path: string): Promise<Buffer>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

function settle<T>(resolve: (value: T) => void, reject: (error: unknown) => void) {
  return (error: NodeJS.ErrnoException | null, value: T) => (error ? reject(error) : resolve(value));
}

export const nodeFileSystem: LedgerFileSystem = {
  open: (path, flags, mode) =>
    new Promise((resolve, reject) => fs.open(path, flags, mode, settle(resolve, reject))),
  close: (fd) =>
    new Promise((resolve, reject) => fs.close(fd, (error) => (error ? reject(error) : resolve()))),
  read: (fd, buffer, offset, length, position) =>
    new Promise((resolve, reject) => fs.read(fd, buffer, offset, length, position, settle(resolve, reject))),
  write: (fd, buffer, offset, length, position) =>
    new Promise((resolve, reject) => fs.write(fd, buffer, offset, length, position, settle(resolve, reject))),
  fdatasync: (fd) =>
    new Promise((resolve, reject) => fs.fdatasync(fd, (error) => (error ? reject(error) : resolve()))),
  fstat: (fd) => new Promise((resolve, reject) => fs.fstat(fd, settle(resolve, reject))),
  ftruncate: (fd, length) =>
    new Promise((resolve, reject) =>
      fs.ftruncate(fd, length, (error) => (error ? reject(error) : resolve())),
    ),
  stat: (path) => new Promise((resolve, reject) => fs.stat(path, settle(resolve, reject))),
  readFile: (path) => new Promise((resolve, reject) => fs.readFile(path, settle(resolve, reject))),
  rename: (from, to) =>
    new Promise((resolve, reject) => fs.rename(from, to, (error) => (error ? reject(error) : resolve()))),
  unlink: (path) =>
    new Promise((resolve, reject) => fs.unlink(path, (error) => (error ? reject(error) : resolve()))),
};

/** The OS error code (ENOSPC, EIO...) of a failed file operation, if it has one. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Writes the whole buffer, continuing after short writes. */
export async function writeFully(
  fileSystem: LedgerFileSystem,
  fd: number,
  buffer: Uint8Array,
  position: number | null,
): Promise<void> {
  let written = 0;
  while (written < buffer.length) {
    const at = position === null ? null : position + written;
    const count = await fileSystem.write(fd, buffer, written, buffer.length - written, at);
    if (count <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    written += count;
  }
}

/** Up to `length` bytes from `position`: fewer only where the file ends first. */
export async function readAt(
  fileSystem: LedgerFileSystem,
  fd: number,
  length: number,
  position: number,
): Promise<Buffer> {
  const bytes = Buffer.alloc(length);
  let read = 0;
  while (read < length) {
    const count = await fileSystem.read(fd, bytes, read, length - read, position + read);
    if (count === 0) break;
    read += count;
  }
  return bytes.subarray(0, read);
}

/** Creates `path` (failing if it exists unless `exclusive` is false), writes `data`, syncs, closes. */
export async function writeNewFile(
  fileSystem: LedgerFileSystem,
  path: string,
  data: Uint8Array,
  options: { exclusive: boolean; sync: boolean },
): Promise<void> {
  const fd = await fileSystem.open(path, options.exclusive ? 'wx' : 'w', 0o600);
  try {
    await writeFully(fileSystem, fd, data, 0);
    if (options.sync) await fileSystem.fdatasync(fd);
  } finally {
    await fileSystem.close(fd);
  }
}

/**
 * The same file system, each operation retried on EMFILE, ENFILE or EAGAIN for up to `budgetMs`
 * (see transient-retry.ts). Every operation here is safe to repeat after such a failure: a
 * failed open created nothing, a failed write wrote nothing.
 */
export function retryingFileSystem(inner: LedgerFileSystem, budgetMs: number): LedgerFileSystem {
  if (budgetMs <= 0) return inner;
  const options = { budgetMs };
  return {
    open: (path, flags, mode) => retryTransient(() => inner.open(path, flags, mode), options),
    close: (fd) => inner.close(fd),
    read: (fd, buffer, offset, length, position) =>
      retryTransient(() => inner.read(fd, buffer, offset, length, position), options),
    write: (fd, buffer, offset, length, position) =>
      retryTransient(() => inner.write(fd, buffer, offset, length, position), options),
    fdatasync: (fd) => retryTransient(() => inner.fdatasync(fd), options),
    fstat: (fd) => retryTransient(() => inner.fstat(fd), options),
    ftruncate: (fd, length) => retryTransient(() => inner.ftruncate(fd, length), options),
    stat: (path) => retryTransient(() => inner.stat(path), options),
    readFile: (path) => retryTransient(() => inner.readFile(path), options),
    rename: (from, to) => retryTransient(() => inner.rename(from, to), options),
    unlink: (path) => retryTransient(() => inner.unlink(path), options),
  };
}

/** Takes group and other permissions off an existing file; best effort (it may not be ours). */
export async function makePrivate(path: string): Promise<void> {
  try {
    const { mode } = await fs.promises.stat(path);
    if ((mode & 0o077) !== 0) await fs.promises.chmod(path, mode & 0o700);
  } catch {
    // Not ours to change, or gone: `doctor` names what stays readable.
  }
}
