// What the coordinators' BullMQ executor and the workers agree on: one queue per provider and
// model (the rate-limit domain), a Redis set naming the queues in use (workers start a BullMQ
// Worker for each), the call id (the BullMQ job id: idempotent enqueue) and the wire form of an
// outcome in the call_results row through which it comes back (call-results.ts; never job
// return values or QueueEvents).

import { type ErrorCode, SymbiontError } from '../../core/errors.js';
import { sha256Hex } from '../../core/sha256.js';
import type { CallOutcome, CallRequest } from '../../ports/call-executor.js';

/** Redis set of `provider\tmodel` pairs that coordinators enqueued calls for. */
export const QUEUE_SET_KEY = 'symbiont:call-queues';

/** BullMQ queue names allow no `:`; keep them readable. */
export function queueNameFor(provider: string, model: string): string {
  return `symbiont-call-${provider}-${model}`.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * The call's id: the same task, subtask, kind, attempt, model and prompt is the same call, so
 * an enqueue repeated after a coordinator takeover finds the job (or its stored result) instead
 * of paying again; a replanned subtask that reuses an id has another prompt, hence another call.
 * No `:` and not an integer (BullMQ job ids).
 */
export function callIdFor(request: CallRequest): string {
  const digest = sha256Hex(`${request.provider}\n${request.model}\n${request.prompt}`).slice(0, 16);
  const parts = [request.taskId, request.subtaskId ?? 'plan', request.kind, String(request.attempt), digest];
  return `call-${parts.map((part) => part.replace(/[^A-Za-z0-9._-]/g, '_')).join('.')}`;
}

/**
 * Ids of the same call's earlier attempts (at most `depth`, newest first). A resumed run counts
 * the attempt a dead coordinator had in flight as spent, so its call, finished by a worker
 * meanwhile or still queued, has the previous attempt's id.
 */
export function earlierCallIds(request: CallRequest, depth = 5): string[] {
  const ids: string[] = [];
  for (let attempt = request.attempt - 1; attempt >= 1 && ids.length < depth; attempt--) {
    ids.push(callIdFor({ ...request, attempt }));
  }
  return ids;
}

export interface CallJob {
  callId: string;
  request: CallRequest;
}

interface WireError {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  retryAfterMs?: number;
}

type WireOutcome =
  | (Omit<Extract<CallOutcome, { ok: true }>, never> & { ok: true })
  | (Omit<Extract<CallOutcome, { ok: false }>, 'error'> & { ok: false; error: WireError });

export function outcomeToJson(outcome: CallOutcome): string {
  if (outcome.ok) return JSON.stringify(outcome);
  const { error, ...rest } = outcome;
  const wire: WireError = { code: error.code, message: error.message, retryable: error.retryable };
  if (error.retryAfterMs !== undefined) wire.retryAfterMs = error.retryAfterMs;
  return JSON.stringify({ ...rest, error: wire });
}

export function outcomeFromJson(text: string): CallOutcome {
  const wire = JSON.parse(text) as WireOutcome;
  if (wire.ok) return wire;
  const { error, ...rest } = wire;
  return {
    ...rest,
    error: new SymbiontError(error.code, error.message, {
      retryable: error.retryable,
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    }),
  };
}
