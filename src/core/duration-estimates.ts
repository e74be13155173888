// Subtask durations learned from history, for critical-path priority (critical-path.ts). A
// sample is how long a completed subtask of a finished task took, from its first start to its
// completion (retries included: that is how long it held up its dependents), with the model
// it ran on. The estimate for a subtask is the median of its model's samples; a model with too
// few samples gets the median of all samples; with no history at all, the tier weight.
// Why medians per model: the model is what the engine knows before a call that best predicts
// its latency, and a median ignores the odd stalled or instant call. See
// docs/decisions/duration-estimates.md. Pure.

import { tierWeight } from './critical-path.js';
import type { Subtask } from './records.js';

export interface DurationSample {
  model: string;
  /** Milliseconds from the subtask's first start to its completion. */
  duration_ms: number;
}

export interface DurationEstimateOptions {
  /** Samples a model needs before its own median is used. Default 3. */
  minSamples?: number;
}

/** What an estimate is asked about: the subtask's model and tier. */
export type EstimatedSubtask = Pick<Subtask, 'model' | 'tier_hint' | 'tier_assigned'>;

/** The sample a completed subtask record gives, or undefined (not completed, no times, no model). */
export function durationSampleOf(
  subtask: Pick<Subtask, 'status' | 'model' | 'started_at' | 'completed_at'>,
): DurationSample | undefined {
  if (subtask.status !== 'completed' || subtask.model === null) return undefined;
  if (subtask.started_at === null || subtask.completed_at === null) return undefined;
  const duration = Date.parse(subtask.completed_at) - Date.parse(subtask.started_at);
  if (!Number.isFinite(duration) || duration < 0) return undefined;
  return { model: subtask.model, duration_ms: duration };
}

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const middle = values.length >> 1;
  return values.length % 2 === 1 ? values[middle]! : (values[middle - 1]! + values[middle]!) / 2;
}

/**
 * An estimate function over `samples`: per-model median (at least 1 ms, so that equal
 * estimates still rank by path length), else the median of all samples, else the tier weight.
 * Every subtask of one task is estimated in the same unit: milliseconds when any sample
 * exists, tier weights when none does.
 */
export function estimatorFromSamples(
  samples: readonly DurationSample[],
  options: DurationEstimateOptions = {},
): (subtask: EstimatedSubtask) => number {
  const minSamples = options.minSamples ?? 3;
  const valid = samples.filter((sample) => Number.isFinite(sample.duration_ms) && sample.duration_ms >= 0);
  if (valid.length === 0) return (subtask) => tierWeight(subtask.tier_assigned ?? subtask.tier_hint);
  const byModel = new Map<string, number[]>();
  for (const sample of valid) {
    const list = byModel.get(sample.model);
    if (list === undefined) byModel.set(sample.model, [sample.duration_ms]);
    else list.push(sample.duration_ms);
  }
  const overall = Math.max(1, median(valid.map((sample) => sample.duration_ms)));
  const perModel = new Map<string, number>();
  for (const [model, durations] of byModel) {
    if (durations.length >= minSamples) perModel.set(model, Math.max(1, median(durations)));
  }
  return (subtask) => (subtask.model === null ? undefined : perModel.get(subtask.model)) ?? overall;
}
