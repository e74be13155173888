// Private files and readiness: the database, its WAL and SHM and the ledger files are created
// owner-only whatever the umask; a readable data directory is named; /healthz answers 503 when
// the store refuses writes; a new database beside a ledger that records calls is reported.

import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileTokenStore, tokenFilePath } from '../../src/adapters/auth/file-token-store.js';
import { openFileLedger } from '../../src/adapters/ledger/file-ledger.js';
import { openSqliteStore } from '../../src/adapters/stores/sqlite-store.js';
import { dataDirWarnings } from '../../src/adapters/system/data-dir.js';
import { openApp } from '../../src/app/compose.js';
import { homePaths } from '../../src/config/home.js';
import { startServer } from '../../src/http/listen.js';
import { sampleInput } from '../ledger/fixtures/ledger-fixtures.js';
import { createdEvent, finishedEvent, isoAt, makeTask } from './task-fixtures.js';

let home: string;
let savedUmask: number;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'symbiont-private-'));
  savedUmask = process.umask(0);
});
afterEach(() => {
  process.umask(savedUmask);
  rmSync(home, { recursive: true, force: true });
});

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('private files', () => {
  it('creates the database, its WAL and SHM and every ledger file 0600, even with umask 0', async () => {
    const store = openSqliteStore(homePaths.database(home));
    await store.createTask(createdEvent(makeTask()));
    const ledger = await openFileLedger(homePaths.ledger(home));
    await ledger.append(sampleInput(0));
    await ledger.close();
    const files = readdirSync(home).sort();
    expect(files).toEqual(
      expect.arrayContaining([
        'ledger.jsonl',
        'ledger.jsonl.head',
        'symbiont.db',
        'symbiont.db-shm',
        'symbiont.db-wal',
      ]),
    );
    for (const file of files) expect([file, modeOf(join(home, file))]).toEqual([file, 0o600]);
    await store.close();
  });

  it('narrows an existing database and ledger left readable by others', async () => {
    const path = homePaths.database(home);
    await openSqliteStore(path).close();
    chmodSync(path, 0o644);
    const store = openSqliteStore(path);
    expect(modeOf(path)).toBe(0o600);
    await store.close();
    writeFileSync(homePaths.ledger(home), '', { mode: 0o644 });
    await (await openFileLedger(homePaths.ledger(home))).close();
    expect(modeOf(homePaths.ledger(home))).toBe(0o600);
  });

  it('names a data directory and files that others can read, and nothing when private', () => {
    chmodSync(home, 0o755);
    writeFileSync(join(home, 'symbiont.db'), '', { mode: 0o644 });
    writeFileSync(join(home, 'ledger.jsonl'), '', { mode: 0o600 });
    expect(dataDirWarnings(home)).toEqual([
      `data directory ${home} is open to other users (mode 0755): run \`chmod 700 ${home}\``,
      `${join(home, 'symbiont.db')} is readable or writable by other users (mode 0644): run \`chmod 600 ${join(home, 'symbiont.db')}\``,
    ]);
    chmodSync(home, 0o700);
    chmodSync(join(home, 'symbiont.db'), 0o600);
    expect(dataDirWarnings(home)).toEqual([]);
    expect(dataDirWarnings(join(home, 'missing'))).toEqual([]);
  });
});

describe('readiness', () => {
  it('answers /healthz 503 while the store refuses writes, and 200 again once it takes them', async () => {
    const app = await openApp({
      home,
      env: { SYMBIONT_HOME: home },
      provider: 'simulated',
      onWarning: () => {},
    });
    const tokens = new FileTokenStore(tokenFilePath(home));
    const running = await startServer({ backend: app, tokens, host: '127.0.0.1', port: 0, logger: false });
    try {
      const health = () => fetch(`${running.url}/healthz`);
      expect((await health()).status).toBe(200);
      const database = (app.store as ReturnType<typeof openSqliteStore>).database;
      database.pragma('query_only = ON');
      await new Promise((wait) => setTimeout(wait, 1100)); // past the one-second memo of a good probe
      const refused = await health();
      expect(refused.status).toBe(503);
      const body = (await refused.json()) as { error: { code: string; message: string } };
      expect(body.error).toMatchObject({ code: 'NOT_READY', message: 'the task store cannot be written' });
      expect(JSON.stringify(body)).not.toContain(home);
      database.pragma('query_only = OFF');
      expect((await health()).status).toBe(200);
    } finally {
      await running.close();
      await app.close();
    }
  });
});

describe('a new database beside a ledger that records calls', () => {
  it('is reported at start naming both files, and not after a prune emptied a used one', async () => {
    const ledger = await openFileLedger(homePaths.ledger(home));
    await ledger.append(sampleInput(0));
    await ledger.close();
    const warnings: string[] = [];
    const open = () =>
      openApp({
        home,
        env: { SYMBIONT_HOME: home },
        provider: 'simulated',
        onWarning: (w) => warnings.push(w),
      });
    let app = await open();
    await app.close();
    expect(warnings).toEqual([
      `the task database ${homePaths.database(home)} has never held a task, but the ledger ${homePaths.ledger(home)} records 1 model call(s): ` +
        'the database was deleted or replaced (its tasks are gone; restore it from a backup), or the ledger belongs elsewhere (move it aside to start afresh)',
    ]);
    const store = openSqliteStore(homePaths.database(home));
    const task = makeTask();
    await store.createTask(createdEvent(task));
    await store.appendEvents(task.id, [finishedEvent(task.id, isoAt(1))]);
    expect(await store.pruneFinishedBefore(new Date().toISOString())).toBe(1);
    await store.close();
    warnings.length = 0;
    app = await open();
    await app.close();
    expect(warnings).toEqual([]);
  });
});
