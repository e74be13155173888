// The cost estimate of a plan before it runs (SPEC §11): a low and a high USD figure per subtask,
// for the synthesis call when the plan has several sinks, and in total. Pure.
//
// high: the most the budget can reserve for ONE attempt of each call (call-reservation.ts, the
//   function run-context.ts reserves with, at the full output cap), for the largest prompt that
//   call can be sent: the goal, the description and every dependency's result at its cut size
//   (context_chars, or the result cap when that is smaller, each with its cut note), counted as
//   the reservation counts a prompt (UTF-8 bytes, 3 per character for text not seen yet, plus
//   the message framing and the provider's declared overhead). A run in which no call is retried
//   or escalated costs at most this (see docs/decisions/review-estimate.md).
// low: the same prompt with each dependency's result as long as a short answer (LOW_OUTPUT_TOKENS
//   at 4 characters a token, cut as context is), that many output tokens, input priced uncached
//   at ~4 characters a token. It is a likely floor, not a bound.

import { callReservationUsd, MESSAGE_FRAMING_TOKENS, utf8Length } from './call-reservation.js';
import { costOfCall, type ModelPrice } from './pricing.js';
import type { CostEstimate, Tier } from './records.js';
import { buildSubtaskPrompt, type DependencyResult } from './subtask-prompt.js';

/** Output tokens a short answer has: the low figure's output, and its dependency results' size. */
export const LOW_OUTPUT_TOKENS = 256;
/** Characters per token of ordinary text (the low figure). */
const TYPICAL_CHARS_PER_TOKEN = 4;
/** UTF-8 bytes one UTF-16 code unit can take (a surrogate pair is 4 bytes for 2 units). */
const MAX_BYTES_PER_CHAR = 3;
/** Digits allowed for each count in a cut note: far more than any text here has. */
const NOTE_COUNT_DIGITS = 15;
/**
 * Characters the synthesis prompt adds around its goal and results (its heading and instruction),
 * beyond the subtask prompt's own: an allowance well above what core/answer's prompt adds.
 */
export const SYNTHESIS_FRAME_CHARS = 600;

export interface EstimatedSubtask {
  index: number;
  description: string;
  depends_on: readonly number[];
  /** The assigned tier and its model (routing is done before the estimate). */
  tier: Tier;
  model: string;
}

export interface PlanEstimateInput {
  /** The task's prompt (every call carries it). */
  goal: string;
  subtasks: readonly EstimatedSubtask[];
  contextChars: number;
  resultCap: number;
  /** The output limit of every call (the budget's reservation uses the same). */
  maxOutputTokens: number;
  /** Tokens the provider adds to every prompt (ModelProvider.callBounds), as the budget counts them. */
  promptOverheadTokens?: number;
  /** The provider's own price for a model, overriding the table (as the budget does). */
  priceFor?: (model: string) => ModelPrice | undefined;
  /** The synthesis call's tier and model; estimated only when the plan has several sinks. */
  synthesis?: { tier: Tier; model: string } | null;
}

export interface PlanEstimate extends CostEstimate {
  /** One per subtask, in index order. */
  subtasks: CostEstimate[];
  /** The synthesis call, or null when the plan has one sink (or synthesis is off). */
  synthesis: CostEstimate | null;
}

/** Length of `cutText`'s note with `label` and counts of NOTE_COUNT_DIGITS digits. */
function cutNoteBound(label: string): number {
  return (
    `\n[${label}: `.length +
    NOTE_COUNT_DIGITS +
    ' of '.length +
    NOTE_COUNT_DIGITS +
    ' characters omitted]'.length
  );
}

/**
 * The most characters one dependency's result adds to a dependent's prompt: a stored result is
 * at most the result cap and its cut note; as context it is cut again to context_chars.
 */
export function maxDependencyChars(contextChars: number, resultCap: number): number {
  const stored = resultCap + cutNoteBound('result cut');
  return contextChars >= stored ? stored : contextChars + cutNoteBound('cut');
}

/** Positions of the subtasks nothing depends on (indexes are positions in a validated plan). */
export function sinkPositions(subtasks: readonly Pick<EstimatedSubtask, 'depends_on'>[]): number[] {
  const dependedOn = new Uint8Array(subtasks.length);
  for (const subtask of subtasks) {
    for (const dependency of subtask.depends_on) {
      if (dependency >= 0 && dependency < subtasks.length) dependedOn[dependency] = 1;
    }
  }
  const sinks: number[] = [];
  for (let position = 0; position < subtasks.length; position++)
    if (dependedOn[position] === 0) sinks.push(position);
  return sinks;
}

interface CallShape {
  tier: Tier;
  model: string;
  /** The prompt with every dependency result empty: its characters and its UTF-8 bytes. */
  baseChars: number;
  baseBytes: number;
  /** Results it carries (dependencies, or the sinks for synthesis). */
  results: number;
}

function estimateCall(call: CallShape, input: PlanEstimateInput): CostEstimate {
  const price = input.priceFor?.(call.model);
  const resultBytes = MAX_BYTES_PER_CHAR * maxDependencyChars(input.contextChars, input.resultCap);
  const promptTokens =
    call.baseBytes +
    call.results * resultBytes +
    MESSAGE_FRAMING_TOKENS +
    Math.max(0, input.promptOverheadTokens ?? 0);
  const high = callReservationUsd(
    { model: call.model, tier: call.tier, promptTokens, price },
    input.maxOutputTokens,
  );
  const lowOutput = Math.min(LOW_OUTPUT_TOKENS, Math.max(0, input.maxOutputTokens));
  const lowResult = Math.min(lowOutput * TYPICAL_CHARS_PER_TOKEN, input.contextChars);
  const lowChars = call.baseChars + call.results * lowResult;
  const low = costOfCall(
    {
      inputTokens: Math.ceil(lowChars / TYPICAL_CHARS_PER_TOKEN),
      outputTokens: lowOutput,
      costUsd: null,
    },
    call.model,
    call.tier,
    price,
  ).cost_usd;
  return Object.freeze({ low_usd: Math.min(low, high), high_usd: high });
}

/** The estimate of a routed plan: per subtask, the synthesis call, and their sums. */
export function estimatePlan(input: PlanEstimateInput): PlanEstimate {
  const byIndex = new Map(input.subtasks.map((subtask) => [subtask.index, subtask]));
  const subtasks = input.subtasks.map((subtask) => {
    const dependencies: DependencyResult[] = subtask.depends_on.map((dependency) => ({
      index: dependency,
      description: byIndex.get(dependency)?.description ?? '',
      result: '',
    }));
    const base = buildSubtaskPrompt({
      goal: input.goal,
      description: subtask.description,
      dependencies,
      contextChars: input.contextChars,
    });
    return estimateCall(
      {
        tier: subtask.tier,
        model: subtask.model,
        baseChars: base.length,
        baseBytes: utf8Length(base),
        results: dependencies.length,
      },
      input,
    );
  });
  let synthesis: CostEstimate | null = null;
  const sinks = sinkPositions(input.subtasks);
  if (input.synthesis && sinks.length > 1) {
    // Each sink's result follows a `### Step N: description` line.
    let headings = 0;
    let headingBytes = 0;
    for (const position of sinks) {
      const description = input.subtasks[position]!.description;
      headings += description.length + 32;
      headingBytes += utf8Length(description) + 32;
    }
    synthesis = estimateCall(
      {
        tier: input.synthesis.tier,
        model: input.synthesis.model,
        baseChars: input.goal.length + headings + SYNTHESIS_FRAME_CHARS,
        baseBytes: utf8Length(input.goal) + headingBytes + SYNTHESIS_FRAME_CHARS,
        results: sinks.length,
      },
      input,
    );
  }
  let low = synthesis?.low_usd ?? 0;
  let high = synthesis?.high_usd ?? 0;
  for (const estimate of subtasks) {
    low += estimate.low_usd;
    high += estimate.high_usd;
  }
  return { low_usd: low, high_usd: high, subtasks, synthesis };
}
