// Timers on the Clock port: the engine's only way to wait for a moment (timeouts, lease
// renewal, polls), so that tests drive them with a manual clock.

import type { Clock, Timer, TimerOptions } from '../ports/clock.js';

/** Calls `callback` once after `ms` unless cancelled; through the clock's timer, else its sleep. */
export function startTimer(clock: Clock, ms: number, callback: () => void, options?: TimerOptions): Timer {
  if (clock.setTimer) return clock.setTimer(ms, callback, options);
  const controller = new AbortController();
  clock.sleep(ms, controller.signal).then(callback, () => undefined);
  return { cancel: () => controller.abort() };
}

/**
 * Calls `tick` every `ms` until cancelled. The next period starts when `tick` returned, or
 * when the promise it returned settled, so that ticks never overlap.
 */
export function repeatEvery(
  clock: Clock,
  ms: number,
  tick: () => Promise<unknown> | undefined,
  options?: TimerOptions,
): Timer {
  let stopped = false;
  let current: Timer | undefined;
  const arm = () => {
    if (stopped) return;
    current = startTimer(
      clock,
      ms,
      () => {
        if (stopped) return;
        let pending: Promise<unknown> | undefined;
        try {
          pending = tick();
        } catch {
          pending = undefined;
        }
        if (pending) pending.then(arm, arm);
        else arm();
      },
      options,
    );
  };
  arm();
  return {
    cancel: () => {
      stopped = true;
      current?.cancel();
    },
  };
}
