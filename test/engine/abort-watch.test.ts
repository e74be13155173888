import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { watchAbort } from '../../src/engine/abort-watch.js';

describe('watchAbort', () => {
  it('calls every watcher still watching, once, through one listener on the signal', () => {
    const controller = new AbortController();
    const calls: string[] = [];
    watchAbort(controller.signal, () => calls.push('a'));
    const stopB = watchAbort(controller.signal, () => calls.push('b'));
    watchAbort(controller.signal, () => calls.push('c'));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    stopB();
    controller.abort();
    controller.abort();
    expect(calls).toEqual(['a', 'c']);
  });

  it('calls at once for a signal that already aborted', () => {
    let called = 0;
    const stop = watchAbort(AbortSignal.abort(), () => called++);
    expect(called).toBe(1);
    stop();
    expect(called).toBe(1);
  });

  it('keeps no listener per watcher: a thousand watch-and-stop cycles leave one', () => {
    const controller = new AbortController();
    for (let cycle = 0; cycle < 1000; cycle++) watchAbort(controller.signal, () => undefined)();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    let called = false;
    watchAbort(controller.signal, () => {
      called = true;
    });
    controller.abort();
    expect(called).toBe(true);
  });
});
