// Runs a callback when a signal aborts, with one real listener per signal however many
// callbacks watch it. Every model call in flight watches its task's signal; adding and removing
// an EventTarget listener per call cost about a microsecond (Node's EventTarget checks its
// options and allocates a listener record each time), a Set entry costs a few dozen nanoseconds.

const watchers = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Calls `onAbort` once when `signal` aborts (at once if it already has). Returns the function
 * that stops watching; call it when the work ends.
 */
export function watchAbort(signal: AbortSignal, onAbort: () => void): () => void {
  if (signal.aborted) {
    onAbort();
    return () => undefined;
  }
  let callbacks = watchers.get(signal);
  if (callbacks === undefined) {
    const set = new Set<() => void>();
    callbacks = set;
    watchers.set(signal, set);
    signal.addEventListener(
      'abort',
      () => {
        watchers.delete(signal);
        for (const callback of set) callback();
        set.clear();
      },
      { once: true },
    );
  }
  const set = callbacks;
  set.add(onAbort);
  return () => {
    set.delete(onAbort);
  };
}
