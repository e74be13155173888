// A coordinator-like child process for postgres-ledger.test.ts and bench/pg-ledger-two-writers.ts:
// appends ledger entries tagged with its name to the PostgreSQL ledger as fast as it can for
// `ms` milliseconds, then prints how many it appended and exits. With a private key it signs
// checkpoints every `every` entries and `everyMs` after the first unsigned one (and at close).
// Usage: node --import tsx pg-appender-process.ts <database url> <name> <ms> [<key> <every> <everyMs>]

import { tmpdir } from 'node:os';
import { checkpointSigner, loadSigningKey } from '../../src/adapters/ledger/ledger-keys.js';
import { PostgresLedger } from '../../src/adapters/ledger/postgres-ledger.js';

const [url, name, msText, keyPath, everyText, everyMsText] = process.argv.slice(2);
if (url === undefined || name === undefined || msText === undefined) {
  process.stderr.write('usage: pg-appender-process <database url> <name> <ms> [<key> <every> <everyMs>]\n');
  process.exit(2);
}
const signing =
  keyPath === undefined
    ? {}
    : {
        // The data directory only matters for refusing a key inside it: none here.
        signer: checkpointSigner(loadSigningKey(keyPath, `${tmpdir()}/symbiont-no-home`)),
        checkpointPolicy: { everyEntries: Number(everyText ?? 1000), everyMs: Number(everyMsText ?? 10_000) },
        onWarning: (message: string) => process.stderr.write(`warning: ${message}\n`),
      };
const ledger = await PostgresLedger.open(url, signing);
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
