// The signal state of a foreground run (src/cli/interrupts.ts), driven by a stand-in process.

import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { cancelWindowFrom, DEFAULT_CANCEL_WINDOW_MS, Interrupts } from '../../src/cli/interrupts.js';

function fakeProcess(): NodeJS.Process & EventEmitter {
  return new EventEmitter() as NodeJS.Process & EventEmitter;
}

describe('Interrupts', () => {
  it('aborts at the first signal and remembers which one it was', () => {
    const process = fakeProcess();
    const interrupts = new Interrupts(process).listen();
    expect(interrupts.signal.aborted).toBe(false);
    process.emit('SIGTERM');
    expect(interrupts.signal.aborted).toBe(true);
    expect(interrupts.stoppedBy).toBe('SIGTERM');
    process.emit('SIGINT');
    expect(interrupts.stoppedBy).toBe('SIGTERM');
  });

  it('cancels on a SIGINT that came while stopping, or one within the window', async () => {
    const process = fakeProcess();
    const early = new Interrupts(process).listen();
    process.emit('SIGINT');
    process.emit('SIGINT');
    expect(await early.cancelWithin(0)).toBe(true);
    early.dispose();

    const later = new Interrupts(process).listen();
    process.emit('SIGINT');
    const asked = later.cancelWithin(60_000);
    process.emit('SIGINT');
    expect(await asked).toBe(true);
  });

  it('does not cancel when the window passes or a SIGTERM ends it', async () => {
    const process = fakeProcess();
    const quiet = new Interrupts(process).listen();
    process.emit('SIGINT');
    expect(await quiet.cancelWithin(20)).toBe(false);
    quiet.dispose();

    const terminated = new Interrupts(process).listen();
    process.emit('SIGINT');
    const asked = terminated.cancelWithin(60_000);
    process.emit('SIGTERM');
    expect(await asked).toBe(false);
    terminated.dispose();
    expect(process.listenerCount('SIGINT')).toBe(0);
    expect(process.listenerCount('SIGTERM')).toBe(0);
  });
});

describe('cancelWindowFrom', () => {
  it('reads whole milliseconds and refuses anything else', () => {
    expect(cancelWindowFrom({})).toBe(DEFAULT_CANCEL_WINDOW_MS);
    expect(cancelWindowFrom({ SYMBIONT_CANCEL_WINDOW_MS: '0' })).toBe(0);
    expect(cancelWindowFrom({ SYMBIONT_CANCEL_WINDOW_MS: '2500' })).toBe(2500);
    expect(() => cancelWindowFrom({ SYMBIONT_CANCEL_WINDOW_MS: '-1' })).toThrow(/from 0 up, got '-1'/);
    expect(() => cancelWindowFrom({ SYMBIONT_CANCEL_WINDOW_MS: '1.5' })).toThrow(/got '1.5'/);
  });
});
