// Token store in one JSON file ($SYMBIONT_HOME/tokens.json, mode 0600), rewritten atomically
// (temporary file, fsync, rename) so that a reader never sees half a file. Holds digests only.
// A record written before token ids existed has none: its id is its name (the owner its tasks
// were stored with), and the next write keeps that id in the file.

import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { SymbiontError } from '../../core/errors.js';
import type { TokenRecord, TokenStore } from '../../ports/token-store.js';

const tokenFileSchema = z.object({
  version: z.literal(1),
  tokens: z.array(
    z.object({
      id: z.string().min(1).max(200).optional(),
      name: z.string().min(1),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      admin: z.boolean(),
      created_at: z.string(),
    }),
  ),
});

const LOCK_WAIT_MS = 5_000;
const LOCK_STALE_MS = 30_000;

export function tokenFilePath(home: string): string {
  return join(home, 'tokens.json');
}

export class FileTokenStore implements TokenStore {
  constructor(private readonly path: string) {}

  async list(): Promise<TokenRecord[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new SymbiontError('CONFIG', `cannot read the token file ${this.path}`, { cause: error });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      // Fail closed: a damaged token file must not turn into "no tokens" (open mode).
      throw new SymbiontError('CONFIG', `the token file ${this.path} is not valid JSON`, { cause: error });
    }
    const result = tokenFileSchema.safeParse(parsed);
    if (!result.success) {
      throw new SymbiontError('CONFIG', `the token file ${this.path} has an unexpected shape`);
    }
    return result.data.tokens.map(({ id, ...record }) => ({ id: id ?? record.name, ...record }));
  }

  async add(record: TokenRecord): Promise<void> {
    await this.locked(async () => {
      const tokens = await this.list();
      if (tokens.some((existing) => existing.name === record.name)) {
        throw new SymbiontError('CONFLICT', `a token named "${record.name}" exists already`);
      }
      if (tokens.some((existing) => existing.id === record.id)) {
        throw new SymbiontError('CONFLICT', `a token with id "${record.id}" exists already`);
      }
      await this.write([...tokens, record]);
    });
  }

  async remove(name: string): Promise<boolean> {
    return this.locked(async () => {
      const tokens = await this.list();
      const kept = tokens.filter((record) => record.name !== name);
      if (kept.length === tokens.length) return false;
      await this.write(kept);
      return true;
    });
  }

  /**
   * Runs a read-modify-write under `<file>.lock` (created with O_EXCL), so that two
   * `symbiont token` commands at once cannot lose each other's change. A lock older than
   * LOCK_STALE_MS was left by a crash and is taken over.
   */
  private async locked<T>(change: () => Promise<T>): Promise<T> {
    const lockPath = `${this.path}.lock`;
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        await (await open(lockPath, 'wx', 0o600)).close();
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const age = await stat(lockPath).then(
          (info) => Date.now() - info.mtimeMs,
          () => 0,
        );
        if (age > LOCK_STALE_MS) await rm(lockPath, { force: true });
        else if (Date.now() > deadline) {
          throw new SymbiontError('CONFLICT', `the token file is locked by another command (${lockPath})`);
        } else await delay(20);
      }
    }
    try {
      return await change();
    } finally {
      await rm(lockPath, { force: true });
    }
  }

  private async write(tokens: TokenRecord[]): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const temporary = `${this.path}.${randomBytes(6).toString('hex')}.tmp`;
    const text = `${JSON.stringify({ version: 1, tokens }, null, 2)}\n`;
    try {
      const handle = await open(temporary, 'wx', 0o600);
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await chmod(temporary, 0o600);
      await rename(temporary, this.path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw new SymbiontError('STORE_WRITE', `cannot write the token file ${this.path}`, { cause: error });
    }
  }
}
