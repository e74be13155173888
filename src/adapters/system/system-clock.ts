// The real clock and entropy, for the composition root. Tests use fakes of the same ports.

import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Clock, Entropy } from '../../ports/clock.js';

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    await delay(ms, undefined, signal ? { signal } : undefined);
  },
  setTimer: (ms, callback, options) => {
    const timer = setTimeout(callback, ms);
    if (options?.background) timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};

export const systemEntropy: Entropy = {
  random: () => Math.random(),
  uuid: () => randomUUID(),
};
