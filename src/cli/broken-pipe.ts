// `symbiont tasks | head -1`: when the reader of stdout (or stderr) goes away, the write fails
// with EPIPE. Instead of a stack trace, further output to that stream is dropped and the command
// carries on to its normal end: a `run` finishes its task (or leaves it resumable on Ctrl-C),
// it is never cut off with the task marked executing by a process that died mid-write.

import type { Writable } from 'node:stream';

const guarded = new WeakSet<Writable>();

/** Makes `stream` drop output once its reader has gone (EPIPE); other errors still throw. */
export function quietOnBrokenPipe(stream: Writable): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  let broken = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
    if (broken) return;
    broken = true;
    // Every later write succeeds without output: nobody is reading.
    stream.write = ((_chunk: unknown, encoding?: unknown, callback?: unknown) => {
      const done = typeof encoding === 'function' ? encoding : callback;
      if (typeof done === 'function') process.nextTick(done as () => void);
      return true;
    }) as Writable['write'];
  });
}
