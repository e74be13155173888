// The server side of bench/http.ts, run in its own process so that autocannon and the server
// do not share an event loop. `hello`: Fastify's bare hello world. `symbiont`: the real API
// (SQLite store, simulated provider, auth, rate limiter, the default request logs, to /dev/null).
// Prints one JSON line {url, token, taskId, runningTaskId} once listening; stops on SIGTERM.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { FileTokenStore, tokenFilePath } from '../src/adapters/auth/file-token-store.js';
import { issueToken } from '../src/adapters/auth/issue-token.js';
import { openApp } from '../src/app/compose.js';
import { startServer } from '../src/http/listen.js';
import { defaultLogger } from '../src/http/server.js';

async function hello(): Promise<() => Promise<void>> {
  const server = Fastify({ logger: false });
  server.get('/hello', async () => ({ hello: 'world' }));
  await server.listen({ host: '127.0.0.1', port: 0 });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
  return () => server.close();
}

async function symbiont(store: 'sqlite' | 'memory'): Promise<() => Promise<void>> {
  const home = mkdtempSync(join(tmpdir(), 'symbiont-bench-http-'));
  const app = await openApp({
    home,
    env: { SYMBIONT_HOME: home },
    store,
    provider: 'simulated',
    simulatedLatencyScale: Number(process.env.BENCH_LATENCY_SCALE ?? '0.01'),
    onWarning: () => {},
  });
  const tokens = new FileTokenStore(tokenFilePath(home));
  const { token } = await issueToken(tokens, { name: 'bench' });
  const running = await startServer({
    backend: app,
    tokens,
    port: 0,
    // The server's default logger, writing to /dev/null instead of stdout.
    logger: defaultLogger('/dev/null'),
    // Spend the limiter's cost on every request without ever refusing one.
    rateLimit: { burst: 1e12, perSecond: 1e12 },
  });
  const receipt = await app.service.submitTask({
    prompt: 'Outline a talk. Then write its opening.',
    owner: 'bench',
  });
  await app.service.waitForTask(receipt.id);
  // A task that keeps running through the whole benchmark: its reads always go to the store.
  const longRunning = await app.service.submitTask({
    plan: {
      subtasks: [{ description: 'Wait. [[sim latency=1000000000]]' }, { description: 'Outline a talk.' }],
    },
    owner: 'bench',
  });
  process.stdout.write(
    `${JSON.stringify({ url: running.url, token, taskId: receipt.id, runningTaskId: longRunning.id })}\n`,
  );
  return async () => {
    await running.close();
    await app.close();
    rmSync(home, { recursive: true, force: true });
  };
}

const mode = process.argv[2] ?? 'hello';
const close =
  mode === 'hello' ? await hello() : await symbiont(mode === 'symbiont-memory' ? 'memory' : 'sqlite');
process.once('SIGTERM', () => {
  close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
