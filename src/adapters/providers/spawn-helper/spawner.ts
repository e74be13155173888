// The claude-cli provider's spawner: CLI children are started by small helper processes
// (helper-connection.ts), never by this process, so that its event loop never blocks in
// fork() (docs/decisions/claude-cli-spawn-floor.md). The helpers are shared by the whole
// process (not one per provider), started lazily: the first call starts one, and a second is
// started only when a call arrives while every running helper is busy. A helper that died is
// dropped; the next call starts a new one.

import { availableParallelism } from 'node:os';
import { SymbiontError } from '../../../core/errors.js';
import type { CliProcess, CliProcessEvents, CliSpawnRequest } from './cli-process.js';
import { HelperConnection } from './helper-connection.js';

/**
 * Two helpers measured 0.87 ms per subtask against 1.22 ms with one (4 calls in flight, a
 * fake CLI that answers at once): one helper's loop is busy forking while the other relays.
 * More brings nothing on two cores, and on one core a second helper only competes.
 */
export const HELPER_POOL_SIZE = Math.max(1, Math.min(2, availableParallelism()));

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
