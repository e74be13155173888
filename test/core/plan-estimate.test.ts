// The plan estimate (SPEC §11): its figures, and that the high one is the budget's reservation
// of the largest prompt a call can be sent (test/engine/review-bound.test.ts runs plans against it).

import { describe, expect, it } from 'vitest';
import { callReservationUsd, promptTokenBound } from '../../src/core/call-reservation.js';
import {
  estimatePlan,
  LOW_OUTPUT_TOKENS,
  maxDependencyChars,
  type PlanEstimateInput,
} from '../../src/core/plan-estimate.js';
import { buildSubtaskPrompt, cutText } from '../../src/core/subtask-prompt.js';

const base: PlanEstimateInput = {
  goal: 'write a report',
  subtasks: [
    { index: 0, description: 'research', depends_on: [], tier: 1, model: 'haiku' },
    { index: 1, description: 'outline', depends_on: [], tier: 2, model: 'sonnet' },
    { index: 2, description: 'draft', depends_on: [0, 1], tier: 3, model: 'opus' },
  ],
  contextChars: 4000,
  resultCap: 100_000,
  maxOutputTokens: 4096,
  synthesis: { tier: 2, model: 'sonnet' },
};

describe('estimatePlan', () => {
  it('prices one attempt of each subtask: high at the full cut context and output limit', () => {
    const estimate = estimatePlan(base);
    // The largest prompt the draft can be sent: both dependency results at the cut size, of
    // text whose every character takes 3 UTF-8 bytes (the worst the reservation can count).
    const draftBase = buildSubtaskPrompt({
      goal: base.goal,
      description: 'draft',
      dependencies: [
        { index: 0, description: 'research', result: '' },
        { index: 1, description: 'outline', result: '' },
      ],
      contextChars: 4000,
    });
    const draftTokens = promptTokenBound(draftBase) + 2 * 3 * maxDependencyChars(4000, 100_000);
    expect(estimate.subtasks[2]!.high_usd).toBe(
      callReservationUsd({ model: 'opus', tier: 3, promptTokens: draftTokens }, 4096),
    );
    const researchPrompt = buildSubtaskPrompt({
      goal: base.goal,
      description: 'research',
      dependencies: [],
      contextChars: 4000,
    });
    expect(estimate.subtasks[0]!.high_usd).toBe(
      callReservationUsd({ model: 'haiku', tier: 1, promptTokens: promptTokenBound(researchPrompt) }, 4096),
    );
    // A provider's declared prompt overhead counts as the budget counts it.
    const withOverhead = estimatePlan({ ...base, promptOverheadTokens: 10_000 });
    expect(withOverhead.subtasks[0]!.high_usd).toBe(
      callReservationUsd(
        { model: 'haiku', tier: 1, promptTokens: promptTokenBound(researchPrompt, 10_000) },
        4096,
      ),
    );
    // Opus output at $20/M dominates: 4096 tokens are $0.08192 of the draft's high figure.
    expect(estimate.subtasks[2]!.high_usd).toBeGreaterThan(0.08192);
    for (const subtask of estimate.subtasks) {
      expect(subtask.low_usd).toBeGreaterThan(0);
      expect(subtask.low_usd).toBeLessThan(subtask.high_usd);
    }
    // The low figure: a short answer's worth of output at the model's rate, at least.
    expect(estimate.subtasks[0]!.low_usd).toBeGreaterThanOrEqual((LOW_OUTPUT_TOKENS * 0.5) / 1e6);
  });

  it('adds a synthesis line only when the plan has several sinks', () => {
    const twoSinks = estimatePlan({ ...base, subtasks: base.subtasks.slice(0, 2) });
    expect(twoSinks.synthesis).not.toBeNull();
    expect(twoSinks.high_usd).toBeCloseTo(
      twoSinks.subtasks[0]!.high_usd + twoSinks.subtasks[1]!.high_usd + twoSinks.synthesis!.high_usd,
      12,
    );
    // Synthesis at tier 2 carries both sinks' results at the cut size: more than either subtask.
    expect(twoSinks.synthesis!.high_usd).toBeGreaterThan(twoSinks.subtasks[1]!.high_usd);
    const oneSink = estimatePlan(base);
    expect(oneSink.synthesis).toBeNull();
    expect(oneSink.high_usd).toBeCloseTo(
      oneSink.subtasks.reduce((sum, subtask) => sum + subtask.high_usd, 0),
      12,
    );
    expect(
      estimatePlan({ ...base, subtasks: base.subtasks.slice(0, 2), synthesis: null }).synthesis,
    ).toBeNull();
  });

  it('grows with the context cut and the output limit; honours a provider price', () => {
    const small = estimatePlan({ ...base, contextChars: 100 });
    const large = estimatePlan({ ...base, contextChars: 50_000 });
    expect(large.subtasks[2]!.high_usd).toBeGreaterThan(small.subtasks[2]!.high_usd);
    expect(large.subtasks[0]!.high_usd).toBe(small.subtasks[0]!.high_usd);
    expect(estimatePlan({ ...base, maxOutputTokens: 100 }).high_usd).toBeLessThan(
      estimatePlan(base).high_usd,
    );
    const free = estimatePlan({ ...base, priceFor: () => ({ inputPerMillion: 0, outputPerMillion: 0 }) });
    expect(free.high_usd).toBe(0);
    expect(free.low_usd).toBe(0);
  });

  it('bounds a dependency at the result cap when that is below the context cut', () => {
    expect(maxDependencyChars(1_000_000, 100)).toBeGreaterThanOrEqual(
      cutText('x'.repeat(10_000), 100, 'result cut').length,
    );
    expect(maxDependencyChars(50, 100_000)).toBeGreaterThanOrEqual(cutText('x'.repeat(200_000), 50).length);
  });
});
