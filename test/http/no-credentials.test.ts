import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { FileTokenStore, tokenFilePath } from '../../src/adapters/auth/file-token-store.js';
import { openApp } from '../../src/app/compose.js';
import type { Task } from '../../src/core/records.js';
import { startServer } from '../../src/http/listen.js';
import { findSecrets } from './test-server.js';

// No credential of a base URL reaches a message: a task run through the API against an
// unreachable openai-compatible server whose URL carries a password and an api-key query has
// neither in its error, in any file of the data directory (SQLite database, WAL, ledger) or
// in the server's logs.

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

async function runAgainst(baseUrl: string, secrets: string[]) {
  const home = mkdtempSync(join(tmpdir(), 'symbiont-nocred-'));
  const logs: string[] = [];
  try {
    const app = await openApp({
      home,
      env: { SYMBIONT_HOME: home, OPENAI_MODEL: 'local-model' },
      store: 'sqlite',
      provider: 'openai-compatible',
      baseUrl,
      onWarning: (line) => logs.push(line),
    });
    const running = await startServer({
      backend: app,
      tokens: new FileTokenStore(tokenFilePath(home)),
      port: 0,
      logger: pino({ level: 'info' }, { write: (line: string) => logs.push(line) }),
      rateLimit: false,
    });
    const response = await fetch(`${running.url}/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        plan: { subtasks: [{ description: 'Say hello' }, { description: 'Say bye' }] },
        options: { max_attempts: 2 },
      }),
    });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    const task: Task = await app.service.waitForTask(id);
    const shown = (await (await fetch(`${running.url}/tasks/${id}`)).text()) as string;
    await running.close();
    await app.close();
    return { task, shown, leaks: findSecrets(home, logs, secrets) };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

describe('credentials in a base URL', () => {
  it('appear nowhere when the URL carries userinfo and an api-key query', async () => {
    const port = await closedPort();
    const { task, shown, leaks } = await runAgainst(
      `http://user:s3cretPass@127.0.0.1:${port}/v1?api-key=XYZ987`,
      ['s3cretPass', 'XYZ987'],
    );
    expect(task.status).toBe('failed');
    const errors = task.subtasks.map((subtask) => subtask.error ?? '').join('\n');
    expect(errors).toContain(`127.0.0.1:${port}/v1`);
    expect(`${task.error ?? ''}${errors}${shown}`).not.toMatch(/s3cretPass|XYZ987/);
    expect(leaks).toEqual([]);
  });

  it('appear nowhere when only the query carries a key and the connection is refused', async () => {
    const port = await closedPort();
    const { task, shown, leaks } = await runAgainst(`http://127.0.0.1:${port}/v1?api-key=QQQ4242`, [
      'QQQ4242',
    ]);
    expect(task.status).toBe('failed');
    const errors = task.subtasks.map((subtask) => subtask.error ?? '').join('\n');
    expect(errors).toMatch(/could not reach|ECONNREFUSED/);
    expect(`${task.error ?? ''}${errors}${shown}`).not.toContain('QQQ4242');
    expect(leaks).toEqual([]);
  });
});
