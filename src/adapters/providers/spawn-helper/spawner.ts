// The claude-cli provider's spawner: CLI children are started by small helper processes
// (helper-connection.ts), never by this process, so that its event loop never blocks in
// fork() (docs/decisions/claude-cli-spawn-floor.md). The helpers are shared by the whole
// process (not one per provider), started lazily: the first call starts one, and another is
// started only when a call arrives while every running helper is busy. A helper that died is
// dropped; the next call starts a new one.

import { availableParallelism } from 'node:os';
import { SymbiontError } from '../../../core/errors.js';
import type { CliProcess, CliProcessEvents, CliSpawnRequest } from './cli-process.js';
import { HelperConnection } from './helper-connection.js';

/**
 * A helper blocked in spawn() mostly waits for its child to be scheduled and exec; the fork
 * itself costs ~1 ms of CPU here. With 4 calls in flight (fake CLI that answers at once), two
 * helpers measured 0.87 ms per call against 1.22 ms with one on a quiet 2-core machine, and
 * four 1.6-2.7 ms (median 1.9) against two's 1.8-3.6 ms (median 3.5) at load 14: more forks in
 * flight ride out the scheduler's delays. Two per core, four at most; started only as needed.
 */
export const HELPER_POOL_SIZE = Math.max(1, Math.min(4, 2 * availableParallelism()));

const helpers: HelperConnection[] = [];

function pickHelper(): HelperConnection {
  for (let index = helpers.length - 1; index >= 0; index--) {
    if (!helpers[index]!.alive) helpers.splice(index, 1);
  }
  let best: HelperConnection | undefined;
  for (const helper of helpers) if (best === undefined || helper.inFlight < best.inFlight) best = helper;
  if (best === undefined || (best.inFlight > 0 && helpers.length < HELPER_POOL_SIZE)) {
    best = new HelperConnection();
    helpers.push(best);
  }
  return best;
}

/** Starts one CLI child through a helper; the events say what became of it. */
export function spawnThroughHelper(request: CliSpawnRequest, events: CliProcessEvents): CliProcess {
  let helper: HelperConnection;
  try {
    helper = pickHelper();
  } catch (error) {
    // spawn() throws only for bad arguments; errors of the OS come as the helper's 'error' event.
    throw new SymbiontError(
      'PROVIDER_UNAVAILABLE',
      `could not start the claude-cli spawn helper (${process.execPath}): ${(error as Error).message}`,
      { cause: error, context: { provider: 'claude-cli' } },
    );
  }
  return helper.start(request, events);
}
