import { describe, expect, it } from 'vitest';
import { costOfCall, estimateCallCost, priceForModel, TIER_ESTIMATES } from '../../src/core/pricing.js';

const haiku = { inputPerMillion: 1, outputPerMillion: 5 };
const sonnet = { inputPerMillion: 3, outputPerMillion: 15 };
const opusNew = { inputPerMillion: 5, outputPerMillion: 25 };
const opusOld = { inputPerMillion: 15, outputPerMillion: 75 };

describe('priceForModel', () => {
  it.each([
    ['haiku', haiku],
    ['sonnet', sonnet],
    ['opus', opusNew],
    ['Sonnet[1m]', sonnet],
    ['claude-haiku-4-5', haiku],
    ['claude-haiku-4-5-20251001', haiku],
    ['claude-haiku-4.5', haiku],
    ['claude-sonnet-4', sonnet],
    ['claude-sonnet-4-0', sonnet],
    ['claude-sonnet-4-20250514', sonnet],
    ['claude-sonnet-4-5', sonnet],
    ['claude-sonnet-4-5-20250929', sonnet],
    ['claude-sonnet-4-6', sonnet],
    ['claude-sonnet-5', sonnet],
    ['claude-sonnet-5-20260101', sonnet],
    ['claude-opus-4-5', opusNew],
    ['claude-opus-4-5-20251101', opusNew],
    ['claude-opus-4-6', opusNew],
    ['claude-opus-4-7', opusNew],
    ['claude-opus-5', opusNew],
    ['claude-opus-4', opusOld],
    ['claude-opus-4-0', opusOld],
    ['claude-opus-4-20250514', opusOld],
    ['claude-opus-4-1', opusOld],
    ['claude-opus-4-1-20250805', opusOld],
    ['claude-3-5-haiku-20241022', { inputPerMillion: 0.8, outputPerMillion: 4 }],
    ['claude-3-5-haiku-latest', { inputPerMillion: 0.8, outputPerMillion: 4 }],
    ['claude-3-haiku-20240307', { inputPerMillion: 0.25, outputPerMillion: 1.25 }],
    ['claude-3-7-sonnet-latest', sonnet],
    ['claude-3-opus-20240229', opusOld],
    ['anthropic/claude-sonnet-4.5', sonnet],
    ['us.anthropic.claude-sonnet-4-20250514-v1:0', sonnet],
    ['anthropic.claude-3-5-haiku-20241022-v1:0', { inputPerMillion: 0.8, outputPerMillion: 4 }],
    ['claude-opus-4-1@20250805', opusOld],
  ])('prices %s', (model, price) => {
    expect(priceForModel(model)).toEqual(price);
  });

  it.each(['llama3.1:8b', 'gpt-4o', 'claude-2.1', 'claude-haiku-9', 'simulated-tier-1', ''])(
    'does not know %s',
    (model) => {
      expect(priceForModel(model)).toBeUndefined();
    },
  );
});

describe('costOfCall', () => {
  it('uses the cost the provider reported', () => {
    const usage = { inputTokens: 1_000_000, outputTokens: 1_000_000, costUsd: 0.0123 };
    expect(costOfCall(usage, 'claude-haiku-4-5', 1)).toEqual({ cost_usd: 0.0123, cost_source: 'provider' });
  });

  it('accepts a reported cost of zero', () => {
    const usage = { inputTokens: 10, outputTokens: 10, costUsd: 0 };
    expect(costOfCall(usage, 'haiku', 1)).toEqual({ cost_usd: 0, cost_source: 'provider' });
  });

  it('prices tokens from the table: Haiku 4.5, 1M in and 1M out, costs $6', () => {
    const usage = { inputTokens: 1_000_000, outputTokens: 1_000_000, costUsd: null };
    expect(costOfCall(usage, 'claude-haiku-4-5-20251001', 1)).toEqual({ cost_usd: 6, cost_source: 'tokens' });
  });

  it('ignores a reported cost that is not a finite non-negative number', () => {
    for (const costUsd of [Number.NaN, -1, Number.POSITIVE_INFINITY]) {
      const usage = { inputTokens: 1_000_000, outputTokens: 0, costUsd };
      expect(costOfCall(usage, 'sonnet', 2)).toEqual({ cost_usd: 3, cost_source: 'tokens' });
    }
  });

  it('prices cache reads at a tenth and cache writes at 1.25 times the input price', () => {
    const usage = {
      inputTokens: 3_000_000,
      outputTokens: 0,
      cacheReadTokens: 1_000_000,
      cacheWriteTokens: 1_000_000,
      costUsd: null,
    };
    // 1M uncached at $3 + 1M read at $0.30 + 1M written at $3.75.
    expect(costOfCall(usage, 'claude-sonnet-4-5', 2).cost_usd).toBeCloseTo(7.05, 10);
  });

  it('prefers an override price to the table', () => {
    const usage = { inputTokens: 1_000_000, outputTokens: 1_000_000, costUsd: null };
    const free = { inputPerMillion: 0, outputPerMillion: 0 };
    expect(costOfCall(usage, 'claude-opus-4-6', 3, free)).toEqual({ cost_usd: 0, cost_source: 'tokens' });
    expect(
      costOfCall(usage, 'llama3', 2, { inputPerMillion: 0.1, outputPerMillion: 0.2 }).cost_usd,
    ).toBeCloseTo(0.3, 10);
  });

  it('falls back to the tier estimate when tokens are unknown', () => {
    const usage = { inputTokens: null, outputTokens: 500, costUsd: null };
    expect(costOfCall(usage, 'claude-haiku-4-5', 1)).toEqual({ cost_usd: 0.008, cost_source: 'estimate' });
  });

  it('falls back to the tier estimate for a model without a price', () => {
    const usage = { inputTokens: 100, outputTokens: 100, costUsd: null };
    expect(costOfCall(usage, 'mystery-model', 1)).toEqual({ cost_usd: 0.008, cost_source: 'estimate' });
    expect(costOfCall(usage, 'mystery-model', 2)).toEqual({ cost_usd: 0.04, cost_source: 'estimate' });
    expect(costOfCall(usage, 'mystery-model', 3)).toEqual({ cost_usd: 0.15, cost_source: 'estimate' });
  });
});

describe('estimateCallCost', () => {
  it('assumes 3 characters per token, cache-write input and the full output allowance', () => {
    // 3,000,000 chars -> 1M tokens at $1 x 1.25, plus 1M output at $5.
    expect(estimateCallCost('claude-haiku-4-5', 1, 3_000_000, 1_000_000)).toBeCloseTo(6.25, 10);
  });

  it('is never below the token cost of a real call of that size', () => {
    const promptChars = 12_000;
    const realInputTokens = Math.ceil(promptChars / 4);
    const real = costOfCall(
      { inputTokens: realInputTokens, outputTokens: 4_000, costUsd: null },
      'sonnet',
      2,
    );
    expect(estimateCallCost('sonnet', 2, promptChars, 4_000)).toBeGreaterThan(real.cost_usd);
  });

  it('uses the override price', () => {
    expect(estimateCallCost('local', 2, 30_000, 1_000, { inputPerMillion: 0, outputPerMillion: 0 })).toBe(0);
  });

  it('prices an unknown model at its tier, never below the tier estimate', () => {
    expect(estimateCallCost('mystery', 3, 3, 1)).toBe(TIER_ESTIMATES[3]);
    expect(estimateCallCost('mystery', 2, 3_000_000, 0)).toBeCloseTo(3.75, 10);
  });
});

describe('5.5 family prices', () => {
  it('prices the newest Haiku, Sonnet and Opus at their published rates', () => {
    expect(priceForModel('claude-haiku-5-5')).toEqual({ inputPerMillion: 0.1, outputPerMillion: 0.5 });
    expect(priceForModel('claude-sonnet-5-5')).toEqual({ inputPerMillion: 2, outputPerMillion: 10 });
    expect(priceForModel('claude-opus-5-5')).toEqual({ inputPerMillion: 4, outputPerMillion: 20 });
    expect(priceForModel('claude-sonnet-5')).toEqual({ inputPerMillion: 3, outputPerMillion: 15 });
  });
});
