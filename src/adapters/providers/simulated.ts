// The `simulated` provider: offline and deterministic (the same prompt always gives the same
// latency, text and token counts), it obeys `[[sim ...]]` directives so that tests and
// benchmarks can drive every path, and plans by the request's structure (simulated-planner.ts).
//
// Directives (see simulated-directives.ts): latency=MS, tokens=N, chars=N, cost=USD,
// fail=error|garbage|hang|rate_limit|overload|server_error|fatal, retry_after=MS,
// fail_first=N (fail the first N attempts at this prompt, counted per provider instance),
// fail_tier=1[,2] (fail at those tiers), tier=N (planner's hint); for the planning call:
// plan=garbage|cycle, plan_fail_first=N, plan_fail=KIND, plan_latency=MS. A subtask call reads
// directives only after the last SUBTASK_MARKER; a planning call reads them in the request.

import { invalidValue, SymbiontError } from '../../core/errors.js';
import { requestFromPlannerPrompt } from '../../core/planner-prompt.js';
import type { Tier } from '../../core/records.js';
import { DEPENDENCY_RESULTS_HEADING, SUBTASK_MARKER } from '../../core/subtask-prompt.js';
import type { Clock } from '../../ports/clock.js';
import type { CompletionRequest, CompletionResult, ModelProvider } from '../../ports/model-provider.js';
import { systemClock } from '../system/system-clock.js';
import {
  directiveScope,
  type FailureKind,
  parseDirectives,
  type SimulatedDirectives,
  stripDirectives,
} from './simulated-directives.js';
import { planRequest } from './simulated-planner.js';

export interface SimulatedProviderOptions {
  /**
   * Multiplies every latency (a directive's or the tier's). 0 answers without any timer, through
   * an already resolved promise, for throughput benchmarks. retry_after is not scaled. Default 1.
   */
  readonly latencyScale?: number;
  /** Tier to model name. Default: the Claude aliases haiku, sonnet, opus (priced from the table). */
  readonly models?: Partial<Record<Tier, string>>;
  /** Where waits come from. Default: real timers. */
  readonly clock?: Clock;
}

export const DEFAULT_SIMULATED_MODELS: Readonly<Record<Tier, string>> = {
  1: 'haiku',
  2: 'sonnet',
  3: 'opus',
};

/** Latency range in milliseconds per tier, before scaling, when no directive sets it. */
const TIER_LATENCY: Record<Tier, readonly [number, number]> = {
  1: [150, 400],
  2: [300, 800],
  3: [600, 1500],
};
const TIERS: readonly Tier[] = [1, 2, 3];

const defaults = { latencyScale: 1, clock: systemClock };

function validate(options: SimulatedProviderOptions): {
  latencyScale: number;
  models: Record<Tier, string>;
  clock: Clock;
} {
  const merged = { ...defaults, ...options };
  const { latencyScale, clock } = merged;
  if (typeof latencyScale !== 'number' || !Number.isFinite(latencyScale) || latencyScale < 0) {
    throw invalidValue('latencyScale', 'a finite number from 0 and up', latencyScale, 'CONFIG');
  }
  if (typeof clock?.sleep !== 'function' || typeof clock.now !== 'function') {
    throw new SymbiontError('CONFIG', 'Expected `clock` to be a Clock with now() and sleep(ms, signal)');
  }
  const models = { ...DEFAULT_SIMULATED_MODELS, ...options.models };
  for (const tier of TIERS) {
    const model = models[tier];
    if (typeof model !== 'string' || model.trim() === '') {
      throw invalidValue(`models[${tier}]`, 'a non-empty model name', model, 'CONFIG');
    }
  }
  return { latencyScale, models, clock };
}

/** FNV-1a over salt and text, scaled into [0, 1): the provider's only source of variety. */
function unitHash(text: string, salt: string): number {
  let hash = 0x811c9dc5;
  const input = `${salt}\u0000${text}`;
  for (let index = 0; index < input.length; index++) {
    hash ^= input.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash / 0x1_0000_0000;
}

function failure(
  kind: Exclude<FailureKind, 'hang'>,
  directives: SimulatedDirectives,
  usage: SymbiontError['usage'],
) {
  const common = { usage, context: { provider: 'simulated', kind } };
  switch (kind) {
    case 'error':
      return new SymbiontError('PROVIDER_EXIT', 'simulated failure: the provider exited with an error', {
        ...common,
        retryable: true,
      });
    case 'garbage':
      return new SymbiontError(
        'PROVIDER_BAD_OUTPUT',
        'simulated failure: the provider printed output that is not JSON',
        {
          ...common,
          retryable: true,
        },
      );
    case 'rate_limit':
      return new SymbiontError('PROVIDER_RATE_LIMITED', 'simulated failure: rate limited (429)', {
        ...common,
        retryable: true,
        ...(directives.retryAfterMs === undefined ? {} : { retryAfterMs: directives.retryAfterMs }),
      });
    case 'overload':
      return new SymbiontError('PROVIDER_OVERLOADED', 'simulated failure: overloaded (529)', {
        ...common,
        retryable: true,
        ...(directives.retryAfterMs === undefined ? {} : { retryAfterMs: directives.retryAfterMs }),
      });
    case 'server_error':
      return new SymbiontError('PROVIDER_SERVER_ERROR', 'simulated failure: server error (500)', {
        ...common,
        retryable: true,
      });
    case 'fatal':
      return new SymbiontError(
        'PROVIDER_BAD_REQUEST',
        'simulated failure: fatal, not worth retrying',
        common,
      );
  }
}

/** Counts dependency results in a subtask prompt: `### Step` lines between their heading and the marker. */
function dependencyCount(prompt: string): number {
  const marker = prompt.lastIndexOf(SUBTASK_MARKER);
  const heading = prompt.indexOf(DEPENDENCY_RESULTS_HEADING);
  if (marker < 0 || heading < 0 || heading > marker) return 0;
  return prompt.slice(heading, marker).match(/^### Step \d+:/gm)?.length ?? 0;
}

function answerText(prompt: string, scope: string, chars: number | undefined): string {
  const description = stripDirectives(scope).replace(/\s+/g, ' ').trim().slice(0, 200);
  const dependencies = dependencyCount(prompt);
  const text =
    `[simulated answer] ${description}\n` +
    `This step was given ${dependencies} dependency result${dependencies === 1 ? '' : 's'}. ` +
    "Written by symbiont's offline simulator; no language model was called.";
  if (chars === undefined) return text;
  return text.length >= chars
    ? text.slice(0, chars)
    : (text + ' lorem ipsum'.repeat(Math.ceil(chars / 12))).slice(0, chars);
}

/** Waits until the signal aborts, then rejects with its reason. */
function waitForAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

export function createSimulatedProvider(options: SimulatedProviderOptions = {}): ModelProvider {
  const { latencyScale, models, clock } = validate(options);
  /** Attempts seen per prompt key, for fail_first and plan_fail_first. */
  const attempts = new Map<string, number>();

  function countAttempt(key: string): number {
    const count = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, count);
    return count;
  }

  async function wait(baseMs: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw signal.reason;
    const ms = Math.round(baseMs * latencyScale);
    if (ms <= 0) return;
    try {
      await clock.sleep(ms, signal);
    } catch (error) {
      // The real clock rejects with an AbortError; callers expect the signal's own reason.
      throw signal.aborted ? signal.reason : error;
    }
  }

  function tierLatency(prompt: string, tier: Tier): number {
    const [low, high] = TIER_LATENCY[tier];
    return low + Math.floor(unitHash(prompt, 'latency') * (high - low + 1));
  }

  async function fail(
    kind: FailureKind,
    directives: SimulatedDirectives,
    usage: SymbiontError['usage'],
    signal: AbortSignal,
  ) {
    if (kind === 'hang') return waitForAbort(signal);
    throw failure(kind, directives, usage);
  }

  async function plan(request: CompletionRequest, signal: AbortSignal): Promise<CompletionResult> {
    const userRequest = requestFromPlannerPrompt(request.prompt) ?? request.prompt;
    const directives = parseDirectives(userRequest);
    const inputTokens = Math.ceil(request.prompt.length / 4);
    await wait(directives.planLatencyMs ?? tierLatency(request.prompt, request.tier), signal);
    if (directives.planFail !== undefined) await fail(directives.planFail, directives, undefined, signal);
    const attempt = countAttempt(`plan\u0000${userRequest}`);
    const garbage = directives.plan === 'garbage' || attempt <= (directives.planFailFirst ?? 0);
    const text = garbage
      ? 'I would approach this carefully: first understand the request, then do the work step by step.'
      : JSON.stringify(planRequest(userRequest, { cycle: directives.plan === 'cycle' }));
    return {
      text,
      inputTokens,
      outputTokens: Math.min(Math.ceil(text.length / 4), request.maxOutputTokens ?? Number.POSITIVE_INFINITY),
      costUsd: null,
      model: request.model,
    };
  }

  async function answer(request: CompletionRequest, signal: AbortSignal): Promise<CompletionResult> {
    const scope = directiveScope(request.prompt);
    const directives = parseDirectives(scope);
    const inputTokens = Math.ceil(request.prompt.length / 4);
    await wait(directives.latencyMs ?? tierLatency(request.prompt, request.tier), signal);
    const kind = failingKind(request, scope, directives);
    if (kind !== undefined) {
      const usage =
        directives.costUsd === undefined
          ? undefined
          : { inputTokens, outputTokens: 0, costUsd: directives.costUsd };
      await fail(kind, directives, usage, signal);
    }
    return {
      text: answerText(request.prompt, scope, directives.chars),
      inputTokens,
      outputTokens: Math.min(
        directives.outputTokens ?? 40 + Math.floor(unitHash(request.prompt, 'tokens') * 361),
        request.maxOutputTokens ?? Number.POSITIVE_INFINITY,
      ),
      costUsd: directives.costUsd ?? null,
      model: request.model,
    };
  }

  /** fail=KIND alone always fails; with fail_first or fail_tier it names the kind (default error). */
  function failingKind(
    request: CompletionRequest,
    scope: string,
    directives: SimulatedDirectives,
  ): FailureKind | undefined {
    const { failFirst, failTiers, fail: kind } = directives;
    if (failFirst === undefined && failTiers === undefined) return kind;
    const atFailingTier =
      failTiers === undefined ||
      failTiers.some((tier) => tier === request.tier || models[tier] === request.model);
    if (!atFailingTier) return undefined;
    if (failFirst !== undefined && countAttempt(`subtask\u0000${scope}`) > failFirst) return undefined;
    return kind ?? 'error';
  }

  return {
    name: 'simulated',
    // Output is clamped to the cap; input is counted as a quarter of the prompt's characters.
    callBounds: { honoursMaxOutputTokens: true, promptOverheadTokens: 0 },
    modelFor: (tier) => models[tier],
    complete: async (request, signal) => {
      if (signal.aborted) throw signal.reason;
      const result = await (request.purpose === 'plan' ? plan(request, signal) : answer(request, signal));
      // Without a timer (latencyScale 0) an abort can land while the answer is being made.
      if (signal.aborted) throw signal.reason;
      return result;
    },
  };
}
