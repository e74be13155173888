// The process the crash tests kill: opens the app on a SQLite home exactly as the CLI does, with
// the simulated provider wrapped in the counting provider, then either submits a workload and
// waits for it (`run`) or resumes what the home holds (`resume`). Usage:
//   node --import tsx test/durability/crash-driver.ts <config.json>
// It prints `ready` once the app is open, `created <id>` per task and `done` at the end.

import { readFileSync } from 'node:fs';
import { createSimulatedProvider } from '../../src/adapters/providers/simulated.js';
import { systemClock } from '../../src/adapters/system/system-clock.js';
import { openApp } from '../../src/app/compose.js';
import { resumeAllAndWait } from '../../src/engine/resume-all.js';
import { countingProvider } from '../fakes/counting-provider.js';
import type { WorkloadTask } from './crash-workload.js';

export interface DriverConfig {
  mode: 'run' | 'resume';
  home: string;
  /** The counting provider's call log. */
  callLog: string;
  /** For `run`. */
  tasks?: WorkloadTask[];
  /** Scales the simulator's latencies. Default 1. */
  latencyScale?: number;
  /** Subtasks at once per task. Default 3. */
  concurrency?: number;
}

const config = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as DriverConfig;
const simulated = createSimulatedProvider({ latencyScale: config.latencyScale ?? 1 });
const provider = countingProvider(simulated, config.callLog);
const app = await openApp({
  home: config.home,
  provider: 'simulated',
  store: 'sqlite',
  defaults: { concurrency: config.concurrency ?? 3 },
  manager: {
    providers: () => provider,
    retry: { baseDelayMs: 10, maxDelayMs: 40 },
    // Killed on purpose, round after round: the crash-loop guard is off (crash-loop.test.ts tests it).
    maxInterruptions: Number.MAX_SAFE_INTEGER,
  },
});
const say = (line: string) => process.stdout.write(`${line}\n`);
say('ready');
try {
  if (config.mode === 'run') {
    const ids: string[] = [];
    for (const task of config.tasks ?? []) {
      const receipt = await app.service.submitTask({
        ...(task.prompt ? { prompt: task.prompt } : {}),
        ...(task.plan ? { plan: task.plan } : {}),
        waitFor: 'created',
      });
      ids.push(receipt.id);
      say(`created ${receipt.id}`);
    }
    for (const id of ids) await app.service.waitForTask(id);
  } else {
    await resumeAllAndWait(app.service, app.store, { clock: systemClock, pollIntervalMs: 50 });
  }
  say('done');
} finally {
  await app.close();
}
