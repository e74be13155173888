import { describe, expect, it } from 'vitest';
import { tierWeight } from '../../src/core/critical-path.js';
import { durationSampleOf, estimatorFromSamples } from '../../src/core/duration-estimates.js';

const subtask = (model: string | null, tier: 1 | 2 | 3 = 2) => ({
  model,
  tier_hint: tier,
  tier_assigned: tier,
});
const samples = (model: string, ...durations: number[]) =>
  durations.map((duration_ms) => ({ model, duration_ms }));

describe('estimatorFromSamples', () => {
  it('falls back to the tier weights when there is no history', () => {
    const estimate = estimatorFromSamples([]);
    for (const tier of [1, 2, 3] as const) expect(estimate(subtask('haiku', tier))).toBe(tierWeight(tier));
    expect(estimate({ model: null, tier_hint: 3, tier_assigned: null })).toBe(tierWeight(3));
  });

  it("estimates a model by the median of its samples, whatever the subtask's tier", () => {
    const estimate = estimatorFromSamples([
      ...samples('fast', 100, 90, 5000),
      ...samples('slow', 800, 900, 1000, 1100),
    ]);
    expect(estimate(subtask('fast', 3))).toBe(100);
    expect(estimate(subtask('slow', 1))).toBe(950);
  });

  it('gives a model with too few samples, or none, the median of all samples', () => {
    const estimate = estimatorFromSamples([...samples('known', 10, 20, 30), ...samples('rare', 1000)]);
    expect(estimate(subtask('known'))).toBe(20);
    expect(estimate(subtask('rare'))).toBe(25); // median of 10, 20, 30, 1000
    expect(estimate(subtask('never-seen'))).toBe(25);
    expect(estimate(subtask(null))).toBe(25);
    expect(estimatorFromSamples(samples('rare', 1000), { minSamples: 1 })(subtask('rare'))).toBe(1000);
  });

  it('never estimates less than 1 ms, so equal estimates still rank by path length', () => {
    expect(estimatorFromSamples(samples('instant', 0, 0, 0))(subtask('instant'))).toBe(1);
  });

  it('ignores samples that are not durations', () => {
    const estimate = estimatorFromSamples(samples('m', Number.NaN, -5, 40, 40, 40));
    expect(estimate(subtask('m'))).toBe(40);
    expect(estimatorFromSamples(samples('m', Number.NaN, -1))(subtask('m', 3))).toBe(tierWeight(3));
  });
});

describe('durationSampleOf', () => {
  const record = {
    status: 'completed' as const,
    model: 'haiku',
    started_at: '2026-01-01T00:00:00.000Z',
    completed_at: '2026-01-01T00:00:01.250Z',
  };

  it('measures a completed subtask from its first start to its completion', () => {
    expect(durationSampleOf(record)).toEqual({ model: 'haiku', duration_ms: 1250 });
  });

  it('gives nothing for a subtask that did not complete, has no model or no times', () => {
    expect(durationSampleOf({ ...record, status: 'failed' })).toBeUndefined();
    expect(durationSampleOf({ ...record, model: null })).toBeUndefined();
    expect(durationSampleOf({ ...record, started_at: null })).toBeUndefined();
    expect(durationSampleOf({ ...record, completed_at: '2025-12-31T00:00:00.000Z' })).toBeUndefined();
  });
});
