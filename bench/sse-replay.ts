// Figures for issue 12 item 5: N server-sent-event subscribers replay one large finished task
// while /healthz is polled. Prints the slowest /healthz answer, the peak resident memory of the
// process (server and clients are both here; the clients discard what they read) and how long
// the replay took. Run: npx tsx bench/sse-replay.ts [subscribers] [subtasks] [result chars]

import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { FileTokenStore, tokenFilePath } from '../src/adapters/auth/file-token-store.js';
import { issueToken } from '../src/adapters/auth/issue-token.js';
import { openApp } from '../src/app/compose.js';
import { startServer } from '../src/http/listen.js';
import { seedLargeHistory } from '../test/stores/large-history.js';

const [subscribers = 300, subtasks = 5000, resultChars = 600] = process.argv.slice(2).map(Number);

function subscribe(url: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { authorization: `Bearer ${token}` } }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      response.on('end', () => resolve(bytes));
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'symbiont-sse-bench-'));
  const app = await openApp({
    home,
    env: { SYMBIONT_HOME: home },
    provider: 'simulated',
    onWarning: () => {},
  });
  const tokens = new FileTokenStore(tokenFilePath(home));
  const { token } = await issueToken(tokens, { name: 'root', admin: true });
  const history = await seedLargeHistory(app.store, { subtasks, resultChars });
  const running = await startServer({
    backend: app,
    tokens,
    host: '127.0.0.1',
    port: 0,
    logger: false,
    rateLimit: false,
    streamCaps: { maxStreamsPerToken: subscribers, maxStreams: subscribers },
  });
  // The first fetch loads undici (a long pause of its own): warm it up before measuring.
  await (await fetch(`${running.url}/healthz`)).text();
  const baseRss = process.memoryUsage().rss;
  let peakRss = baseRss;
  let slowest = 0;
  let probes = 0;
  let done = false;
  const poll = (async () => {
    while (!done) {
      const started = performance.now();
      const response = await fetch(`${running.url}/healthz`);
      await response.text();
      slowest = Math.max(slowest, performance.now() - started);
      probes++;
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const started = performance.now();
  const url = `${running.url}/tasks/${history.taskId}/events`;
  const received = await Promise.all(Array.from({ length: subscribers }, () => subscribe(url, token)));
  const elapsed = performance.now() - started;
  done = true;
  await poll;
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
  console.log(
    JSON.stringify({
      subscribers,
      events: history.eventCount,
      history_mb: Number((history.bytes / 1024 / 1024).toFixed(2)),
      sent_mb_each: Number(((received[0] ?? 0) / 1024 / 1024).toFixed(2)),
      replay_s: Number((elapsed / 1000).toFixed(1)),
      healthz_max_ms: Number(slowest.toFixed(0)),
      healthz_probes: probes,
      loop_delay_max_ms: Number((loopDelay.max / 1e6).toFixed(0)),
      loop_delay_p99_ms: Number((loopDelay.percentile(99) / 1e6).toFixed(0)),
      rss_base_mb: Number(mb(baseRss)),
      rss_peak_mb: Number(mb(peakRss)),
    }),
  );
  await running.close();
  await app.close();
  rmSync(home, { recursive: true, force: true });
}

await main();
