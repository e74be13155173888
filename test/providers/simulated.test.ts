import { describe, expect, it } from 'vitest';
import { createSimulatedProvider } from '../../src/adapters/providers/simulated.js';
import { DIRECTIVE_LIMITS } from '../../src/adapters/providers/simulated-directives.js';
import { SymbiontError } from '../../src/core/errors.js';
import { planSchema } from '../../src/core/plan-schema.js';
import type { Tier } from '../../src/core/records.js';
import { buildSubtaskPrompt } from '../../src/core/subtask-prompt.js';
import type { Clock } from '../../src/ports/clock.js';
import type { CompletionRequest, ModelProvider } from '../../src/ports/model-provider.js';
import { failureOf } from '../failure-of.js';
import { describeProviderConformance, plannerRequest, subtaskRequest } from './provider-conformance.js';

/** A clock whose sleeps return at once and are recorded, so latencies can be read without waiting. */
function recordingClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => 0,
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw signal.reason;
      sleeps.push(ms);
    },
  };
}

const never = new AbortController().signal;

function request(provider: ModelProvider, prompt: string, tier: Tier = 2): CompletionRequest {
  return { prompt, model: provider.modelFor(tier), tier, purpose: 'subtask' };
}

async function planOf(provider: ModelProvider, text: string) {
  const result = await provider.complete(plannerRequest(provider, text), never);
  return planSchema.parse(JSON.parse(result.text));
}

describeProviderConformance('simulated, no latency', async () => {
  const provider = createSimulatedProvider({ latencyScale: 0 });
  return {
    provider,
    cleanup: async () => {},
    hangingRequest: () => subtaskRequest(provider, 'Wait forever [[sim fail=hang]]'),
  };
});

describeProviderConformance('simulated, real timers', async () => ({
  provider: createSimulatedProvider({ latencyScale: 0.1 }),
  cleanup: async () => {},
}));

describe('simulated provider: answers', () => {
  it('gives the same latency, text and token counts for the same prompt', async () => {
    const clock = recordingClock();
    const provider = createSimulatedProvider({ clock });
    const prompt = subtaskRequest(provider, 'Describe the colour red').prompt;
    const first = await provider.complete(request(provider, prompt), never);
    const second = await provider.complete(request(provider, prompt), never);
    expect(second).toEqual(first);
    expect(clock.sleeps[0]).toBe(clock.sleeps[1]);
    expect(createSimulatedProvider({ clock: recordingClock() }).modelFor(2)).toBe('sonnet');
  });

  it('draws latency from the tier range and scales it, with no timer at all at scale 0', async () => {
    const clock = recordingClock();
    const provider = createSimulatedProvider({ clock });
    const ranges: Record<Tier, [number, number]> = { 1: [150, 400], 2: [300, 800], 3: [600, 1500] };
    for (const tier of [1, 2, 3] as const) {
      for (let index = 0; index < 20; index++) {
        await provider.complete(request(provider, `prompt number ${index}`, tier), never);
        const latency = clock.sleeps.at(-1)!;
        expect(latency).toBeGreaterThanOrEqual(ranges[tier][0]);
        expect(latency).toBeLessThanOrEqual(ranges[tier][1]);
      }
    }
    const scaledClock = recordingClock();
    const scaled = createSimulatedProvider({ clock: scaledClock, latencyScale: 2 });
    await scaled.complete(request(scaled, 'a prompt [[sim latency=250]]'), never);
    expect(scaledClock.sleeps).toEqual([500]);
    const instantClock = recordingClock();
    const instant = createSimulatedProvider({ clock: instantClock, latencyScale: 0 });
    await instant.complete(request(instant, 'a prompt'), never);
    expect(instantClock.sleeps).toEqual([]);
  });

  it('counts input tokens from the prompt length and keeps output tokens within 40 to 400', async () => {
    const provider = createSimulatedProvider({ latencyScale: 0 });
    for (let index = 0; index < 30; index++) {
      const prompt = `question ${index} ${'x'.repeat(index * 7)}`;
      const result = await provider.complete(request(provider, prompt), never);
      expect(result.inputTokens).toBe(Math.ceil(prompt.length / 4));
      expect(result.outputTokens).toBeGreaterThanOrEqual(40);
      expect(result.outputTokens).toBeLessThanOrEqual(400);
      expect(result.costUsd).toBeNull();
      expect(result.model).toBe('sonnet');
    }
  });

  it('obeys latency, tokens, chars and cost directives', async () => {
    const clock = recordingClock();
    const provider = createSimulatedProvider({ clock });
    const result = await provider.complete(
      request(provider, 'Write it [[sim latency=250 tokens=900]] [[sim chars=5000 cost=0.5]]'),
      never,
    );
    expect(clock.sleeps).toEqual([250]);
    expect(result.outputTokens).toBe(900);
    expect(result.text).toHaveLength(5000);
    expect(result.costUsd).toBe(0.5);
  });

  it('mentions the subtask description and how many dependency results it was given', async () => {
    const provider = createSimulatedProvider({ latencyScale: 0 });
    const prompt = buildSubtaskPrompt({
      goal: 'Plan a trip',
      description: 'Pick the cheapest hotel',
      dependencies: [
        { index: 0, description: 'Find hotels', result: 'A, B' },
        { index: 1, description: 'Find prices', result: '10, 20' },
      ],
      contextChars: 100,
    });
    const result = await provider.complete(request(provider, prompt), never);
    expect(result.text).toContain('Pick the cheapest hotel');
    expect(result.text).toContain('given 2 dependency results');
    expect(result.text).toMatch(/simulat/i);
  });

  it('reads directives only after the last subtask marker', async () => {
    const provider = createSimulatedProvider({ latencyScale: 0 });
    const prompt = buildSubtaskPrompt({
      goal: 'Step one [[sim fail=fatal]]. Then step two.',
      description: 'Step two',
      dependencies: [{ index: 0, description: 'Step one [[sim fail=hang]]', result: 'done' }],
      contextChars: 100,
    });
    const result = await provider.complete(request(provider, prompt), never);
    expect(result.text).toContain('Step two');
  });

  it('rejects an unknown directive or a bad value, naming it, without retry', async () => {
    const provider = createSimulatedProvider({ latencyScale: 0 });
    const unknown = await failureOf(provider.complete(request(provider, 'x [[sim latncy=5]]'), never));
    expect(unknown.code).toBe('PROVIDER_BAD_REQUEST');
    expect(unknown.retryable).toBe(false);
    expect(unknown.message).toContain('latncy=5');
    const bad = await failureOf(provider.complete(request(provider, 'x [[sim fail=explode]]'), never));
    expect(bad.message).toContain('`fail`');
    expect(bad.message).toContain('explode');
  });

  it('validates its options, naming the field', () => {
    expect(() => createSimulatedProvider({ latencyScale: -1 })).toThrow(/`latencyScale`.*`-1` \(number\)/);
    expect(() => createSimulatedProvider({ models: { 1: ' ' } })).toThrow(/`models\[1\]`/);
    expect(createSimulatedProvider({ models: { 3: 'big-model' } }).modelFor(3)).toBe('big-model');
  });
});

describe('simulated provider: failures', () => {
  const cases = [
    ['error', 'PROVIDER_EXIT', true],
    ['garbage', 'PROVIDER_BAD_OUTPUT', true],
    ['rate_limit', 'PROVIDER_RATE_LIMITED', true],
    ['overload', 'PROVIDER_OVERLOADED', true],
    ['server_error', 'PROVIDER_SERVER_ERROR', true],
    ['fatal', 'PROVIDER_BAD_REQUEST', false],
  ] as const;
  for (const [kind, code, retryable] of cases) {
    it(`fail=${kind} fails with ${code}, ${retryable ? 'retryable' : 'not retryable'}`, async () => {
      const provider = createSimulatedProvider({ latencyScale: 0 });
      const error = await failureOf(
        provider.complete(request(provider, `Do it [[sim fail=${kind}]]`), never),
      );
      expect(error.code).toBe(code);
      expect(error.retryable).toBe(retryable);
    });
  }

  it('reports retry_after on a rate limit and the cost of a failed call when told', async () => {
    const provider = createSimulatedProvider({ latencyScale: 0 });
    const prompt = 'Do it [[sim fail=rate_limit retry_after=200 cost=0.02]]';
    const error = await failureOf(provider.complete(request(provider, prompt), never));
    expect(error.retryAfterMs).toBe(200);
    expect(error.usage?.costUsd).toBe(0.02);
  });

  it('fail=hang waits until the signal aborts, then rejects with its reason', async () => {
    const provider = createSimulatedProvider({ latencyScale: 0 });
    const controller = new AbortController();
    const call = provider.complete(request(provider, 'Wait [[sim fail=hang]]'), controller.signal);
    const reason = new SymbiontError('PROVIDER_TIMEOUT', 'timed out', { retryable: true });
    setTimeout(() => controller.abort(reason), 20);
    await expect(call).rejects.toBe(reason);
  });

  it('fail_first=2 fails the first two attempts at a prompt, then succeeds, per provider instance', async () => {
    const provider = createSimulatedProvider({ latencyScale: 0 });
    const prompt = subtaskRequest(provider, 'Flaky step [[sim fail_first=2 fail=overload]]').prompt;
    expect((await failureOf(provider.complete(request(provider, prompt), never))).code).toBe(
      'PROVIDER_OVERLOADED',
    );
    expect((await failureOf(provider.complete(request(provider, prompt), never))).code).toBe(
      'PROVIDER_OVERLOADED',
    );
    expect((await provider.complete(request(provider, prompt), never)).text).toContain('Flaky step');
    const fresh = createSimulatedProvider({ latencyScale: 0 });
    expect((await failureOf(fresh.complete(request(fresh, prompt), never))).retryable).toBe(true);
  });

  it('fail_tier=1 fails at the tier-1 model only, so escalation succeeds', async () => {
    const provider = createSimulatedProvider({ latencyScale: 0 });
    const prompt = 'Hard for small models [[sim fail_tier=1 fail=fatal]]';
    const error = await failureOf(provider.complete(request(provider, prompt, 1), never));
    expect(error.code).toBe('PROVIDER_BAD_REQUEST');
    expect((await provider.complete(request(provider, prompt, 2), never)).text).toContain('Hard for small');
  });
});

describe('simulated provider: planner', () => {
  const provider = createSimulatedProvider({ latencyScale: 0 });

  it('answers a plain JSON plan that the plan schema accepts', async () => {
    const result = await provider.complete(plannerRequest(provider, 'Say hello.'), never);
    const plan = planSchema.parse(JSON.parse(result.text));
    expect(plan.reasoning).toMatch(/simulated/i);
    expect(plan.subtasks).toEqual([{ description: 'Say hello.', tier_hint: 2, depends_on: [] }]);
  });

  it('gives one step per list item and drops the line that introduces the list', async () => {
    const plan = await planOf(
      provider,
      'Do the following:\n1. Extract the names\n2. Design the schema\n3. Write the loader',
    );
    expect(plan.subtasks.map((step) => [step.description, step.tier_hint, step.depends_on])).toEqual([
      ['Extract the names', 1, []],
      ['Design the schema', 3, []],
      ['Write the loader', 2, []],
    ]);
  });

  it('makes a list item that starts with "then" wait for the items before it', async () => {
    const plan = await planOf(provider, '- Fetch A\n- Fetch B\n- then merge them\n  into one table');
    expect(plan.subtasks.map((step) => step.description)).toEqual([
      'Fetch A',
      'Fetch B',
      'then merge them into one table',
    ]);
    expect(plan.subtasks.map((step) => step.depends_on)).toEqual([[], [], [0, 1]]);
  });

  it('splits prose into sentences; "then" waits for every step since the previous "then"', async () => {
    const plan = await planOf(
      provider,
      'Research topic A. Research topic B. Then compare them. Write a haiku. Then publish both.',
    );
    expect(plan.subtasks.map((step) => step.depends_on)).toEqual([[], [], [0, 1], [], [2, 3]]);
    expect(plan.subtasks.map((step) => step.tier_hint)).toEqual([3, 3, 2, 2, 2]);
  });

  it('splits ", then", "; then" and " and then" into a chain', async () => {
    const plan = await planOf(
      provider,
      'Fetch the data, then clean it; then plot it and then write a caption.',
    );
    expect(plan.subtasks.map((step) => step.description)).toEqual([
      'Fetch the data',
      'Clean it',
      'Plot it',
      'Write a caption.',
    ]);
    expect(plan.subtasks.map((step) => step.depends_on)).toEqual([[], [0], [1], [2]]);
  });

  it("keeps each step's directives in its description and never splits inside one", async () => {
    const plan = await planOf(
      provider,
      'Summarize the report [[sim latency=2.5 fail=error]]. Then format it. [[sim tokens=900 tier=3]]',
    );
    expect(plan.subtasks.map((step) => step.description)).toEqual([
      'Summarize the report [[sim latency=2.5 fail=error]].',
      'Then format it. [[sim tokens=900 tier=3]]',
    ]);
    expect(plan.subtasks.map((step) => step.tier_hint)).toEqual([1, 3]);
  });

  it('ignores subtask directives in the request when planning, and they apply when the step runs', async () => {
    const plan = await planOf(provider, 'Wait forever [[sim fail=hang]]. Then report.');
    const hanging = plan.subtasks[0]!.description;
    const prompt = buildSubtaskPrompt({
      goal: 'x',
      description: hanging,
      dependencies: [],
      contextChars: 10,
    });
    const controller = new AbortController();
    const call = provider.complete(request(provider, prompt), controller.signal);
    controller.abort(new Error('stop'));
    await expect(call).rejects.toThrow('stop');
  });

  it('answers prose for plan=garbage and a dependency cycle for plan=cycle, without leaking them into steps', async () => {
    const garbage = await provider.complete(plannerRequest(provider, 'Do A. [[sim plan=garbage]]'), never);
    expect(() => JSON.parse(garbage.text)).toThrow();
    const cycle = await planOf(provider, 'Do A. [[sim plan=cycle]]');
    expect(cycle.subtasks[0]!.depends_on).toContain(1);
    expect(cycle.subtasks[1]!.depends_on).toContain(0);
    expect(cycle.subtasks.map((step) => step.description).join(' ')).not.toContain('plan=');
  });

  it('answers garbage the first time and a good plan the second for plan_fail_first=1', async () => {
    const fresh = createSimulatedProvider({ latencyScale: 0 });
    const text = 'Do A. Then do B. [[sim plan_fail_first=1]]';
    const first = await fresh.complete(plannerRequest(fresh, text), never);
    expect(() => JSON.parse(first.text)).toThrow();
    const plan = await planOf(fresh, text);
    expect(plan.subtasks.map((step) => step.description)).toEqual(['Do A.', 'Then do B.']);
  });

  it('fails the planning call itself for plan_fail', async () => {
    const error = await failureOf(
      provider.complete(plannerRequest(provider, 'Do A. [[sim plan_fail=rate_limit]]'), never),
    );
    expect(error.code).toBe('PROVIDER_RATE_LIMITED');
  });
});

describe('simulated provider: bounds', () => {
  const provider = createSimulatedProvider({ latencyScale: 0 });
  const refusal = (prompt: string) => failureOf(provider.complete(request(provider, prompt), never));

  it('answers at the largest size, latency, token count and cost', async () => {
    const clock = recordingClock();
    const timed = createSimulatedProvider({ clock });
    const result = await timed.complete(
      request(
        timed,
        `x [[sim chars=${DIRECTIVE_LIMITS.chars} tokens=${DIRECTIVE_LIMITS.tokens} latency=${DIRECTIVE_LIMITS.milliseconds} cost=${DIRECTIVE_LIMITS.costUsd}]]`,
      ),
      never,
    );
    expect(result.text).toHaveLength(DIRECTIVE_LIMITS.chars);
    expect(result.outputTokens).toBe(DIRECTIVE_LIMITS.tokens);
    expect(result.costUsd).toBe(DIRECTIVE_LIMITS.costUsd);
    expect(clock.sleeps).toEqual([DIRECTIVE_LIMITS.milliseconds]);
  });

  it.each([
    ['chars', `chars=500000000`, String(DIRECTIVE_LIMITS.chars)],
    ['chars', `chars=${DIRECTIVE_LIMITS.chars + 1}`, String(DIRECTIVE_LIMITS.chars)],
    ['tokens', 'tokens=99999999999', String(DIRECTIVE_LIMITS.tokens)],
    ['latency', 'latency=86400000', String(DIRECTIVE_LIMITS.milliseconds)],
    ['plan_latency', 'plan_latency=600001', String(DIRECTIVE_LIMITS.milliseconds)],
    ['retry_after', 'fail=rate_limit retry_after=9999999', String(DIRECTIVE_LIMITS.milliseconds)],
    ['fail_first', 'fail_first=1000000', String(DIRECTIVE_LIMITS.attempts)],
    ['cost', 'cost=1e9', String(DIRECTIVE_LIMITS.costUsd)],
  ])('refuses %s over its bound (%s), naming the bound, without retry', async (key, directive, bound) => {
    const failure = await refusal(`x [[sim ${directive}]]`);
    expect(failure.code).toBe('PROVIDER_BAD_REQUEST');
    expect(failure.retryable).toBe(false);
    expect(failure.message).toContain(`\`${key}\``);
    expect(failure.message).toContain(bound);
  });

  it('cuts a long refused value in its message', async () => {
    const failure = await refusal(`x [[sim chars=${'9'.repeat(5000)}]]`);
    expect(failure.message.length).toBeLessThan(300);
  });
});
