// A scripted CallExecutor for runner tests: each call's outcome comes from a script, after a
// delay on the (manual) clock; every call is recorded with when it started and ended. It
// answers an abort of its signal the way the in-process executor does (a CANCELLED failure).

import { SymbiontError } from '../../src/core/errors.js';
import type { CallExecutor, CallOutcome, CallRequest, CallUsage } from '../../src/ports/call-executor.js';
import type { Clock } from '../../src/ports/clock.js';
import { descriptionOf } from './scripted-provider.js';

export interface ScriptedCall {
  /** Time the call takes on the clock. Default 0. */
  delayMs?: number;
  /** Never answers: waits for the abort. */
  hang?: boolean;
  /** Fails with this error instead of answering. */
  error?: SymbiontError;
  text?: string;
  costUsd?: number;
  inputTokens?: number;
  outputTokens?: number;
}

export interface ExecutedCall {
  request: CallRequest;
  /** The subtask description the prompt ends with. */
  description: string;
  startedAt: number;
  endedAt: number | null;
  outcome: 'ok' | 'error' | 'cancelled' | null;
}

/** A retryable provider failure, as an adapter reports a 5xx. */
export function transientError(message = 'scripted server error'): SymbiontError {
  return new SymbiontError('PROVIDER_SERVER_ERROR', message, { retryable: true });
}

export class FakeExecutor implements CallExecutor {
  readonly calls: ExecutedCall[] = [];
  inFlight = 0;
  maxInFlight = 0;

  constructor(
    private readonly clock: Clock,
    /** `call` is 1-based per description. */
    private readonly script: (
      description: string,
      call: number,
      request: CallRequest,
    ) => ScriptedCall = () => ({}),
    readonly provider = 'fake',
  ) {}

  /** Calls made for one description, in order. */
  callsFor(description: string): ExecutedCall[] {
    return this.calls.filter((call) => call.description === description);
  }

  async execute(request: CallRequest, signal: AbortSignal): Promise<CallOutcome> {
    const description = descriptionOf(request.prompt);
    const count = this.callsFor(description).length + 1;
    const script = this.script(description, count, request);
    const record: ExecutedCall = {
      request,
      description,
      startedAt: this.clock.now(),
      endedAt: null,
      outcome: null,
    };
    this.calls.push(record);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await this.wait(script, signal);
    } catch {
      record.outcome = 'cancelled';
      return this.failure(request, new SymbiontError('CANCELLED', 'cancelled'), script, record);
    } finally {
      this.inFlight--;
      record.endedAt = this.clock.now();
    }
    if (script.error) {
      record.outcome = 'error';
      return this.failure(request, script.error, script, record);
    }
    record.outcome = 'ok';
    return {
      ok: true,
      text: script.text ?? `result of ${description}`,
      provider: this.provider,
      model: request.model,
      usage: this.usage(script, 0.001),
      durationMs: record.endedAt! - record.startedAt,
    };
  }

  private wait(script: ScriptedCall, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (script.hang) {
      return new Promise((_, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
      );
    }
    return this.clock.sleep(script.delayMs ?? 0, signal);
  }

  private usage(script: ScriptedCall, defaultCost: number): CallUsage {
    return {
      inputTokens: script.inputTokens ?? 100,
      outputTokens: script.outputTokens ?? 50,
      cacheReadTokens: null,
      cacheWriteTokens: null,
      costUsd: script.costUsd ?? defaultCost,
      costSource: 'provider',
    };
  }

  private failure(
    request: CallRequest,
    error: SymbiontError,
    script: ScriptedCall,
    record: ExecutedCall,
  ): CallOutcome {
    return {
      ok: false,
      error,
      provider: this.provider,
      model: request.model,
      usage: {
        ...this.usage(script, 0),
        inputTokens: null,
        outputTokens: null,
        costUsd: 0,
        costSource: 'estimate',
      },
      durationMs: (record.endedAt ?? this.clock.now()) - record.startedAt,
    };
  }
}
