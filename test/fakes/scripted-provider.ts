// A recording fake provider for engine tests: each subtask description `s<N>` (or anything)
// is answered after a scripted delay, or fails as scripted; every call is recorded with the
// prompt it received and when it started and ended.

import { SymbiontError } from '../../src/core/errors.js';
import type { Tier } from '../../src/core/records.js';
import { SUBTASK_MARKER } from '../../src/core/subtask-prompt.js';
import type { Clock } from '../../src/ports/clock.js';
import type { CompletionRequest, CompletionResult, ModelProvider } from '../../src/ports/model-provider.js';

export interface Script {
  delayMs?: number;
  /** `transient`: retryable failure; `fatal`: non-retryable; `hang`: wait for the abort. */
  fail?: 'transient' | 'fatal' | 'hang';
  /** Fail (transiently) only the first N calls for this description. */
  failFirst?: number;
  /** Fail (fatally) whenever the model is this one. */
  failOnModel?: string;
  text?: string;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number | null;
}

export interface RecordedCall {
  description: string;
  goal: string;
  prompt: string;
  model: string;
  purpose: 'plan' | 'subtask';
  start: number;
  end: number | null;
  outcome: 'ok' | 'error' | 'aborted' | null;
}

export function descriptionOf(prompt: string): string {
  const at = prompt.lastIndexOf(SUBTASK_MARKER);
  return at < 0 ? prompt : prompt.slice(at + SUBTASK_MARKER.length).trim();
}

export function goalOf(prompt: string): string {
  const match = /## Overall goal\n([^\n]*)/.exec(prompt);
  return match?.[1] ?? '';
}

export class ScriptedProvider implements ModelProvider {
  readonly name = 'scripted';
  readonly calls: RecordedCall[] = [];
  private readonly seen = new Map<string, number>();
  private tick = 0;
  active = 0;
  maxActive = 0;
  readonly activeByGoal = new Map<string, number>();
  readonly maxActiveByGoal = new Map<string, number>();
  /** When set, scripted delays pass on this clock (a manual one in engine tests), else real time. */
  clock: Clock | undefined;

  constructor(
    private readonly script: (description: string, request: CompletionRequest) => Script = () => ({}),
    private readonly planText?: (prompt: string) => string,
  ) {}

  modelFor(tier: Tier): string {
    return ['', 'haiku', 'sonnet', 'opus'][tier]!;
  }

  /** A logical clock: strictly increasing, so start/end order is exact. */
  private now(): number {
    return ++this.tick;
  }

  async complete(request: CompletionRequest, signal: AbortSignal): Promise<CompletionResult> {
    if (request.purpose === 'plan') {
      if (!this.planText) throw new SymbiontError('PROVIDER_BAD_REQUEST', 'no plan scripted');
      return { text: this.planText(request.prompt), inputTokens: 10, outputTokens: 10, costUsd: null };
    }
    const description = descriptionOf(request.prompt);
    const goal = goalOf(request.prompt);
    const script = this.script(description, request);
    const count = (this.seen.get(description) ?? 0) + 1;
    this.seen.set(description, count);
    const call: RecordedCall = {
      description,
      goal,
      prompt: request.prompt,
      model: request.model,
      purpose: request.purpose,
      start: this.now(),
      end: null,
      outcome: null,
    };
    this.calls.push(call);
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    const goalActive = (this.activeByGoal.get(goal) ?? 0) + 1;
    this.activeByGoal.set(goal, goalActive);
    this.maxActiveByGoal.set(goal, Math.max(this.maxActiveByGoal.get(goal) ?? 0, goalActive));
    try {
      await this.wait(script.fail === 'hang' ? Number.POSITIVE_INFINITY : (script.delayMs ?? 0), signal);
      if (script.failOnModel === request.model || script.fail === 'fatal') {
        throw new SymbiontError('PROVIDER_BAD_REQUEST', `scripted fatal failure of ${description}`);
      }
      if (script.fail === 'transient' || (script.failFirst !== undefined && count <= script.failFirst)) {
        throw new SymbiontError('PROVIDER_SERVER_ERROR', `scripted transient failure of ${description}`, {
          retryable: true,
        });
      }
      call.outcome = 'ok';
      return {
        text: script.text ?? `result of ${description}`,
        inputTokens: script.inputTokens ?? 100,
        outputTokens: script.outputTokens ?? 50,
        costUsd: script.costUsd ?? null,
      };
    } catch (error) {
      call.outcome = signal.aborted ? 'aborted' : 'error';
      throw error;
    } finally {
      call.end = this.now();
      this.active--;
      this.activeByGoal.set(goal, (this.activeByGoal.get(goal) ?? 1) - 1);
    }
  }

  private wait(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.clock && Number.isFinite(ms)) return this.clock.sleep(ms, signal);
    return new Promise((resolve, reject) => {
      const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
      function done() {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }
      function onAbort() {
        if (timer) clearTimeout(timer);
        reject(signal.reason);
      }
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
