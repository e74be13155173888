// Two coordinator processes append to one PostgreSQL ledger at once for a minute (issue 15);
// then the chain is verified: one chain, no gap, every append of both present.
// Usage: node --import tsx bench/pg-ledger-two-writers.ts [seconds, default 60]

import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PostgresLedger } from '../src/adapters/ledger/postgres-ledger.js';
import { startPostgres } from '../test/services/postgres.js';

const here = dirname(fileURLToPath(import.meta.url));
const seconds = Number(process.argv[2] ?? 60);

function appender(url: string, name: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const script = join(here, '..', 'test', 'ledger', 'pg-appender-process.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', script, url, name, String(seconds * 1000)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('exit', (code) =>
      code === 0 ? resolve(Number(out.trim())) : reject(new Error(`${name} exited ${code}`)),
    );
  });
}

const server = await startPostgres();
try {
  const url = server.createDatabase('bench_ledger');
  const counts = await Promise.all([appender(url, 'a'), appender(url, 'b')]);
  const ledger = await PostgresLedger.open(url);
  const verdict = await ledger.verify();
  await ledger.close();
  const total = counts[0]! + counts[1]!;
  const ok = verdict.ok && verdict.entries === total;
  process.stdout.write(
    `${seconds} s, two writers: ${counts.join(' + ')} = ${total} appends (${(total / seconds).toFixed(0)}/s); ` +
      `chain ${verdict.ok ? `verified, ${verdict.entries} entries, no gap` : `BROKEN: ${verdict.reason}`}\n`,
  );
  process.exitCode = ok ? 0 : 1;
} finally {
  server.stop();
}
