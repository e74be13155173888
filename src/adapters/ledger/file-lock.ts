// An inter-process lock beside the ledger (`<ledger>.lock`, created with O_EXCL, holding
// "pid token"), so that several processes appending to one ledger keep one chain. A lock whose
// process is gone, or that is older than `staleMs`, is taken over.

import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { errorCode, type LedgerFileSystem, writeFully } from './ledger-file-system.js';

export interface FileLockOptions {
  fileSystem: LedgerFileSystem;
  /** Age after which a lock is taken over even if its pid looks alive (the pid may be reused). */
  staleMs: number;
  now: () => number;
}

/** Tokens of locks held by this process, so a lock left by a dead process with our reused pid is stale. */
const heldTokens = new Set<string>();

export class FileLock {
  private token: string | undefined;

  constructor(
    readonly path: string,
    private readonly options: FileLockOptions,
  ) {}

  /** Waits until the lock is ours. Never gives up on a live holder younger than `staleMs`. */
  async acquire(): Promise<void> {
    const token = `${process.pid} ${randomUUID()}\n`;
    // Registered before the file exists, so another instance in this process never mistakes
    // the half-made lock for one left by a dead process that had our pid.
    heldTokens.add(token);
    try {
      await this.create(token);
      this.token = token;
    } catch (error) {
      heldTokens.delete(token);
      throw error;
    }
  }

  private async create(token: string): Promise<void> {
    const { fileSystem } = this.options;
    for (let attempt = 0; ; attempt += 1) {
      let fd: number;
      try {
        fd = await fileSystem.open(this.path, 'wx', 0o600);
      } catch (error) {
        if (errorCode(error) !== 'EEXIST') throw error;
        if (!(await this.breakIfStale())) await delay(Math.min(1 + attempt, 20));
        continue;
      }
      try {
        await writeFully(fileSystem, fd, Buffer.from(token), 0);
      } catch (error) {
        // An empty lock would only go stale by age: remove it now.
        await fileSystem.close(fd).catch(() => undefined);
        await fileSystem.unlink(this.path).catch(() => undefined);
        throw error;
      }
      await fileSystem.close(fd);
      return;
    }
  }

  /** Removes the lock if it is still ours; returns false when someone took it over meanwhile. */
  async release(): Promise<boolean> {
    const token = this.token;
    if (token === undefined) return true;
    this.token = undefined;
    // The token stays registered until the file is gone: otherwise another instance in this
    // process could read it meanwhile, take it for a dead process's lock, and break it.
    try {
      const content = await this.read();
      if (content !== token) return false;
      await this.options.fileSystem.unlink(this.path);
      return true;
    } finally {
      heldTokens.delete(token);
    }
  }

  private async read(): Promise<string | undefined> {
    try {
      return (await this.options.fileSystem.readFile(this.path)).toString('utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return undefined;
      throw error;
    }
  }

  /**
   * Takes over a stale lock. The inode is checked again just before unlinking, so a lock that
   * another waiter replaced meanwhile is left alone (a microsecond-wide race remains).
   */
  private async breakIfStale(): Promise<boolean> {
    const { fileSystem } = this.options;
    let observed: { ino: number; mtimeMs: number };
    let content: string | undefined;
    try {
      observed = await fileSystem.stat(this.path);
      content = await this.read();
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return true;
      throw error;
    }
    if (content === undefined) return true;
    if (!this.isStale(content, observed.mtimeMs)) return false;
    try {
      if ((await fileSystem.stat(this.path)).ino !== observed.ino) return true;
      await fileSystem.unlink(this.path);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
    }
    return true;
  }

  private isStale(content: string, mtimeMs: number): boolean {
    if (this.options.now() - mtimeMs > this.options.staleMs) return true;
    const pid = Number.parseInt(content.split(' ')[0] ?? '', 10);
    // A lock being created has no content yet: only its age can make it stale.
    if (!Number.isInteger(pid) || pid <= 0) return false;
    if (pid === process.pid) return !heldTokens.has(content);
    return !isProcessAlive(pid);
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) !== 'ESRCH';
  }
}
