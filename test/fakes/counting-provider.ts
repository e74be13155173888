// A recording wrapper around any model provider: one JSON line per call it receives is appended
// to a file, synchronously and BEFORE the call runs, so that the calls of a process killed with
// SIGKILL are still counted. The crash, resume and multi-process tests count executions with it.

import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { requestFromPlannerPrompt } from '../../src/core/planner-prompt.js';
import { SUBTASK_MARKER } from '../../src/core/subtask-prompt.js';
import type { ModelProvider } from '../../src/ports/model-provider.js';

/** One call as logged: `key` names the work (a `T<n>S<i>` tag, or `T<n>:plan`). */
export interface CallRecord {
  key: string;
  purpose: 'plan' | 'subtask';
  pid: number;
  time: number;
}

const TAG = /\bT(\d+)S(\d+)\b/;
const TASK_TAG = /\bT(\d+)\b/;

/**
 * The work a prompt is about: the `T<n>S<i>` tag in a subtask's own description (after the last
 * subtask marker, so a dependency's result that quotes another tag does not count), or
 * `T<n>:plan` for a planner prompt whose request carries a `T<n>` tag; else `unknown`.
 */
export function callKey(prompt: string, purpose: 'plan' | 'subtask'): string {
  if (purpose === 'plan') {
    const request = requestFromPlannerPrompt(prompt) ?? prompt;
    const match = TASK_TAG.exec(request);
    return match ? `T${match[1]}:plan` : 'unknown:plan';
  }
  const marker = prompt.lastIndexOf(SUBTASK_MARKER);
  const match = TAG.exec(marker < 0 ? prompt : prompt.slice(marker));
  return match ? `T${match[1]}S${match[2]}` : 'unknown';
}

export function countingProvider(inner: ModelProvider, logPath: string): ModelProvider {
  const wrapped: ModelProvider = {
    name: inner.name,
    modelFor: (tier) => inner.modelFor(tier),
    complete(request, signal, onText) {
      const record: CallRecord = {
        key: callKey(request.prompt, request.purpose),
        purpose: request.purpose,
        pid: process.pid,
        time: Date.now(),
      };
      appendFileSync(logPath, `${JSON.stringify(record)}\n`);
      return inner.complete(request, signal, onText);
    },
  };
  if (inner.priceFor) wrapped.priceFor = (model) => inner.priceFor?.(model);
  return wrapped;
}

/** Every complete line of a call log (a line torn by a kill is ignored). */
export function readCalls(logPath: string): CallRecord[] {
  if (!existsSync(logPath)) return [];
  const records: CallRecord[] = [];
  for (const line of readFileSync(logPath, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      records.push(JSON.parse(line) as CallRecord);
    } catch {
      // A kill can tear the last line; it was never a whole call record.
    }
  }
  return records;
}

/** Calls per key. */
export function countCalls(records: readonly CallRecord[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const record of records) counts.set(record.key, (counts.get(record.key) ?? 0) + 1);
  return counts;
}
