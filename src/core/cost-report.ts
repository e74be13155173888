// Cost of ledgered calls grouped by model, by UTC day or by task (`symbiont ledger report`,
// GET /costs). Pure aggregation: entries in, rows out; the reader that streams a file is an adapter.

import type { LedgerEntryInput } from './ledger-entry.js';

export type CostDimension = 'model' | 'day' | 'task';

export const COST_DIMENSIONS: readonly CostDimension[] = ['model', 'day', 'task'];

export interface CostTotals {
  calls: number;
  failed_calls: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

export interface CostRow extends CostTotals {
  key: string;
}

export interface CostReport {
  by: CostDimension;
  /** By day: oldest first. By model and task: most expensive first, then by key. */
  rows: CostRow[];
  total: CostTotals;
}

type CostFields = Pick<
  LedgerEntryInput,
  'timestamp' | 'task_id' | 'model' | 'success' | 'input_tokens' | 'output_tokens' | 'cost_usd'
>;

/** Adds entries one at a time (a ledger may not fit in memory) and reports any dimension. */
export class CostAggregator {
  private readonly groups: Record<CostDimension, Map<string, CostTotals>> = {
    model: new Map(),
    day: new Map(),
    task: new Map(),
  };
  private readonly totals = emptyTotals();

  add(entry: CostFields): void {
    addTo(this.totals, entry);
    addTo(group(this.groups.model, entry.model), entry);
    addTo(group(this.groups.day, utcDay(entry.timestamp)), entry);
    addTo(group(this.groups.task, entry.task_id), entry);
  }

  report(by: CostDimension): CostReport {
    const rows = [...this.groups[by]].map(([key, totals]) => ({ key, ...rounded(totals) }));
    rows.sort(by === 'day' ? byKey : byCostThenKey);
    return { by, rows, total: rounded(this.totals) };
  }
}

export function costReport(entries: Iterable<CostFields>, by: CostDimension): CostReport {
  const aggregator = new CostAggregator();
  for (const entry of entries) aggregator.add(entry);
  return aggregator.report(by);
}

/** The UTC calendar date (YYYY-MM-DD) of an ISO timestamp, or "unknown" when it is not one. */
export function utcDay(timestamp: string): string {
  const time = Date.parse(timestamp);
  return Number.isNaN(time) ? 'unknown' : new Date(time).toISOString().slice(0, 10);
}

function emptyTotals(): CostTotals {
  return { calls: 0, failed_calls: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0 };
}

function group(groups: Map<string, CostTotals>, key: string): CostTotals {
  let totals = groups.get(key);
  if (!totals) {
    totals = emptyTotals();
    groups.set(key, totals);
  }
  return totals;
}

function addTo(totals: CostTotals, entry: CostFields): void {
  totals.calls += 1;
  if (!entry.success) totals.failed_calls += 1;
  totals.input_tokens += entry.input_tokens ?? 0;
  totals.output_tokens += entry.output_tokens ?? 0;
  totals.cost_usd += Number.isFinite(entry.cost_usd) ? entry.cost_usd : 0;
}

/** Sums of binary floats drift (0.1 + 0.2); nine decimals keep sub-cent prices exact enough. */
function rounded(totals: CostTotals): CostTotals {
  return { ...totals, cost_usd: Math.round(totals.cost_usd * 1e9) / 1e9 };
}

function byKey(left: CostRow, right: CostRow): number {
  return left.key < right.key ? -1 : left.key > right.key ? 1 : 0;
}

function byCostThenKey(left: CostRow, right: CostRow): number {
  return right.cost_usd - left.cost_usd || byKey(left, right);
}
