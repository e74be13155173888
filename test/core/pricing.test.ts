import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  costOfCall,
  estimateCallCost,
  PRICES_AS_OF,
  priceForModel,
  TIER_ESTIMATES,
} from '../../src/core/pricing.js';

const haiku = { inputPerMillion: 1, outputPerMillion: 5 };
const sonnet = { inputPerMillion: 3, outputPerMillion: 15 };
const opusNew = { inputPerMillion: 5, outputPerMillion: 25 };
const opusOld = { inputPerMillion: 15, outputPerMillion: 75 };

describe('priceForModel', () => {
  it.each([
    ['haiku', { inputPerMillion: 0.1, outputPerMillion: 0.5 }],
    ['sonnet', { inputPerMillion: 2, outputPerMillion: 10 }],
    ['opus', { inputPerMillion: 4, outputPerMillion: 20 }],
    ['fable', { inputPerMillion: 8, outputPerMillion: 40 }],
    ['Sonnet[1m]', { inputPerMillion: 2, outputPerMillion: 10 }],
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
    expect(priceForModel(model)).toMatchObject(price);
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
      expect(costOfCall(usage, 'sonnet', 2)).toEqual({ cost_usd: 2, cost_source: 'tokens' });
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
    // 1M tokens at Sonnet 5.5's $2 x 1.25.
    expect(estimateCallCost('mystery', 2, 3_000_000, 0)).toBeCloseTo(2.5, 10);
  });
});

describe('5.5 family prices', () => {
  it('prices the newest Haiku, Sonnet and Opus at their published rates', () => {
    expect(priceForModel('claude-haiku-5-5')).toMatchObject({ inputPerMillion: 0.1, outputPerMillion: 0.5 });
    expect(priceForModel('claude-sonnet-5-5')).toMatchObject({ inputPerMillion: 2, outputPerMillion: 10 });
    expect(priceForModel('claude-opus-5-5')).toMatchObject({ inputPerMillion: 4, outputPerMillion: 20 });
    expect(priceForModel('claude-fable-5-2')).toMatchObject({ inputPerMillion: 8, outputPerMillion: 40 });
    expect(priceForModel('claude-sonnet-5')).toMatchObject({ inputPerMillion: 3, outputPerMillion: 15 });
  });
});

describe('the price table rows', () => {
  it('states the date its figures were taken', () => {
    expect(PRICES_AS_OF).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('gives every model its cache columns by the published rules (5m 1.25x, 1h 2x, read 0.1x)', () => {
    expect(priceForModel('claude-sonnet-5-5')).toEqual({
      inputPerMillion: 2,
      outputPerMillion: 10,
      cacheWrite5mPerMillion: 2.5,
      cacheWrite1hPerMillion: 4,
      cacheReadPerMillion: 0.2,
    });
    const opus = priceForModel('claude-opus-4-1')!;
    expect([opus.cacheWrite5mPerMillion, opus.cacheWrite1hPerMillion, opus.cacheReadPerMillion]).toEqual([
      18.75, 30, 1.5,
    ]);
  });

  it('gives Haiku 5.5 its long-prompt tier: over 100,000 prompt tokens, $0.50 / $2.50', () => {
    expect(priceForModel('claude-haiku-5-5')?.longPrompt).toEqual({
      aboveTokens: 100_000,
      price: {
        inputPerMillion: 0.5,
        outputPerMillion: 2.5,
        cacheWrite5mPerMillion: 0.625,
        cacheWrite1hPerMillion: 1,
        cacheReadPerMillion: 0.05,
      },
    });
  });
});

/** Hand computations, to the cent (and closer: the figures are exact in decimal). */
function expectCents(actual: number, expected: number): void {
  expect(Math.round(actual * 100)).toBe(Math.round(expected * 100));
  expect(actual).toBeCloseTo(expected, 9);
}

describe('exact prices, checked against a hand computation', () => {
  it('bills ALL tokens of a Haiku 5.5 call whose prompt exceeds 100,000 tokens at $0.50 / $2.50', () => {
    // 150,000 input tokens x $0.50/M = $0.075; 2,000 output x $2.50/M = $0.005; total $0.080.
    // (At the short-prompt rates it would be $0.015 + $0.001 = $0.016.)
    const usage = { inputTokens: 150_000, outputTokens: 2_000, costUsd: null };
    const priced = costOfCall(usage, 'claude-haiku-5-5', 1);
    expect(priced.cost_source).toBe('tokens');
    expectCents(priced.cost_usd, 0.08);
  });

  it('counts cache reads and writes in the prompt size, and bills them at the long tier too', () => {
    // Prompt 120,000 (> 100,000): 10,000 uncached x $0.50 = $0.005; 100,000 read x $0.05 =
    // $0.005; 10,000 written (5m) x $0.625 = $0.00625; 1,000 output x $2.50 = $0.0025.
    // Total $0.01875.
    const usage = {
      inputTokens: 120_000,
      outputTokens: 1_000,
      cacheReadTokens: 100_000,
      cacheWriteTokens: 10_000,
      costUsd: null,
    };
    expectCents(costOfCall(usage, 'claude-haiku-5-5', 1).cost_usd, 0.01875);
  });

  it('keeps a Haiku 5.5 prompt of exactly 100,000 tokens at the short-prompt rates', () => {
    // 100,000 x $0.10 = $0.01; 10,000 output x $0.50 = $0.005; total $0.015.
    const usage = { inputTokens: 100_000, outputTokens: 10_000, costUsd: null };
    expectCents(costOfCall(usage, 'claude-haiku-5-5', 1).cost_usd, 0.015);
  });

  it('prices 5-minute cache writes at 1.25x and cache reads at 0.1x input (Sonnet 5.5)', () => {
    // 10,000 uncached x $2 = $0.02; 40,000 written (5m) x $2.50 = $0.10; 10,000 read x $0.20 =
    // $0.002; 5,000 output x $10 = $0.05. Total $0.172.
    const usage = {
      inputTokens: 60_000,
      outputTokens: 5_000,
      cacheReadTokens: 10_000,
      cacheWriteTokens: 40_000,
      costUsd: null,
    };
    expectCents(costOfCall(usage, 'claude-sonnet-5-5', 2).cost_usd, 0.172);
  });

  it('prices 1-hour cache writes at 2x input, apart from 5-minute writes (Opus 5.5)', () => {
    // 20,000 uncached x $4 = $0.08; 100,000 written (1h) x $8 = $0.80; 50,000 written (5m) x
    // $5 = $0.25; 30,000 read x $0.40 = $0.012; 10,000 output x $20 = $0.20. Total $1.342.
    const usage = {
      inputTokens: 200_000,
      outputTokens: 10_000,
      cacheReadTokens: 30_000,
      cacheWriteTokens: 150_000,
      cacheWrite1hTokens: 100_000,
      costUsd: null,
    };
    expectCents(costOfCall(usage, 'claude-opus-5-5', 3).cost_usd, 1.342);
    // All 150,000 writes at the 5-minute rate would be $0.75 instead of $1.05.
    const fiveMinute = { ...usage, cacheWrite1hTokens: 0 };
    expectCents(costOfCall(fiveMinute, 'claude-opus-5-5', 3).cost_usd, 1.042);
  });

  it.each(['success', 'alias-sonnet', 'alias-opus', 'alias-fable', 'drop-noretry', 'tool-read-cwd'])(
    'prices the real CLI fixture %s exactly as the CLI did (its costUSD)',
    (name) => {
      const fixture = JSON.parse(
        readFileSync(new URL(`../fixtures/claude-cli/${name}.json`, import.meta.url), 'utf8'),
      );
      interface FixtureUsage {
        inputTokens: number;
        outputTokens: number;
        cacheReadInputTokens: number;
        cacheCreationInputTokens: number;
        cacheCreationEphemeral1hInputTokens: number;
        costUSD: number;
      }
      const entries = Object.entries(fixture.modelUsage) as [string, FixtureUsage][];
      expect(entries).toHaveLength(1);
      const [model, usage] = entries[0]!;
      const priced = costOfCall(
        {
          inputTokens: usage.inputTokens + usage.cacheReadInputTokens + usage.cacheCreationInputTokens,
          outputTokens: usage.outputTokens,
          cacheReadTokens: usage.cacheReadInputTokens,
          cacheWriteTokens: usage.cacheCreationInputTokens,
          cacheWrite1hTokens: usage.cacheCreationEphemeral1hInputTokens,
          costUsd: null,
        },
        model,
        1,
      );
      expect(priced.cost_usd).toBeCloseTo(usage.costUSD, 12);
    },
  );

  it('estimates with the same table, the long-prompt tier included', () => {
    // 450,000 chars -> 150,000 tokens (> 100,000) written at $0.625 = $0.09375, plus 1,000
    // output at $2.50 = $0.0025: $0.09625.
    expectCents(estimateCallCost('haiku', 1, 450_000, 1_000), 0.09625);
    // The alias is Haiku 5.5: 3,000 chars -> 1,000 tokens x $0.125 + 1,000 x $0.50 = $0.000625.
    expect(estimateCallCost('haiku', 1, 3_000, 1_000)).toBeCloseTo(0.000625, 12);
  });
});
