// ISO 8601 text of a time in ms, formatted once per millisecond: a busy engine stamps
// thousands of events and ledger entries within one, and Date#toISOString is not free.

let lastMs = Number.NaN;
let lastIso = '';

export function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}
