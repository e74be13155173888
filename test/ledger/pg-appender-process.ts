// A coordinator-like child process for postgres-ledger.test.ts and bench/pg-ledger-two-writers.ts:
// appends ledger entries tagged with its name to the PostgreSQL ledger as fast as it can for
// `ms` milliseconds, then prints how many it appended and exits.
// Usage: node --import tsx pg-appender-process.ts <database url> <name> <ms>

import { PostgresLedger } from '../../src/adapters/ledger/postgres-ledger.js';

const [url, name, msText] = process.argv.slice(2);
if (url === undefined || name === undefined || msText === undefined) {
  process.stderr.write('usage: pg-appender-process <database url> <name> <ms>\n');
  process.exit(2);
}
const ledger = await PostgresLedger.open(url);
const until = Date.now() + Number(msText);
let count = 0;
while (Date.now() < until) {
  await ledger.append({
    timestamp: new Date().toISOString(),
    task_id: `task-${name}`,
    subtask_id: `${name}-${count}`,
    kind: 'subtask',
    attempt: 1,
    provider: 'simulated',
    model: 'sim-1',
    success: true,
    input_tokens: 10,
    output_tokens: 20,
    cost_usd: 0.001,
    cost_source: 'tokens',
    duration_ms: 5,
    error: null,
    prompt_preview: `call ${count} from ${name}`,
  });
  count += 1;
}
await ledger.close();
process.stdout.write(`${count}\n`);
