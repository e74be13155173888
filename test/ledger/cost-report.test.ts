import { describe, expect, it } from 'vitest';
import { CostAggregator, costReport, utcDay } from '../../src/core/cost-report.js';
import { sampleInput } from './fixtures/ledger-fixtures.js';

const entries = [
  sampleInput(0, { model: 'haiku', task_id: 'a', timestamp: '2025-03-01T23:30:00.000Z', cost_usd: 0.1 }),
  sampleInput(1, { model: 'opus', task_id: 'a', timestamp: '2025-03-02T00:10:00.000Z', cost_usd: 0.2 }),
  sampleInput(2, {
    model: 'haiku',
    task_id: 'b',
    timestamp: '2025-03-02T01:00:00+02:00',
    cost_usd: 0.2,
    success: false,
    input_tokens: null,
    output_tokens: null,
  }),
];

describe('cost report', () => {
  it('groups by model, most expensive first, with calls, failures, tokens and cost', () => {
    const report = costReport(entries, 'model');
    expect(report.by).toBe('model');
    expect(report.rows).toEqual([
      { key: 'haiku', calls: 2, failed_calls: 1, input_tokens: 100, output_tokens: 50, cost_usd: 0.3 },
      { key: 'opus', calls: 1, failed_calls: 0, input_tokens: 101, output_tokens: 51, cost_usd: 0.2 },
    ]);
    expect(report.total).toEqual({
      calls: 3,
      failed_calls: 1,
      input_tokens: 201,
      output_tokens: 101,
      cost_usd: 0.5,
    });
  });

  it('groups by UTC day, oldest first, converting offsets to UTC', () => {
    const report = costReport(entries, 'day');
    expect(report.rows.map((row) => [row.key, row.calls])).toEqual([
      ['2025-03-01', 2],
      ['2025-03-02', 1],
    ]);
  });

  it('groups by task', () => {
    const report = costReport(entries, 'task');
    expect(report.rows.map((row) => [row.key, row.cost_usd])).toEqual([
      ['a', 0.3],
      ['b', 0.2],
    ]);
  });

  it('reports sums without binary float noise', () => {
    const aggregator = new CostAggregator();
    for (let index = 0; index < 10; index += 1) aggregator.add(sampleInput(index, { cost_usd: 0.1 }));
    expect(aggregator.report('model').total.cost_usd).toBe(1);
  });

  it('reports an empty ledger as no rows and zero totals', () => {
    expect(costReport([], 'task')).toEqual({
      by: 'task',
      rows: [],
      total: { calls: 0, failed_calls: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0 },
    });
  });

  it('files an unreadable timestamp under "unknown"', () => {
    expect(utcDay('yesterday')).toBe('unknown');
  });
});
