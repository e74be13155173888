// Reads what `claude -p --output-format json` printed: the result object (the real CLI's shape,
// test/fixtures/claude-cli/, CLI 2.1.332) and its tokens. Pure.

import { z } from 'zod';

const count = z.number().nonnegative().nullish();

/** The CLI's result object; lenient: extra fields pass through, most fields may be missing. */
export const cliResultSchema = z.looseObject({
  type: z.string().optional(),
  subtype: z.string().optional(),
  is_error: z.boolean().optional(),
  result: z.string().nullish(),
  structured_output: z.unknown().optional(),
  errors: z.array(z.unknown()).nullish(),
  api_error_status: z.number().nullish(),
  api_error_type: z.string().nullish(),
  terminal_reason: z.string().nullish(),
  total_cost_usd: z.number().nonnegative().nullish(),
  usage: z
    .looseObject({
      input_tokens: count,
      cache_creation_input_tokens: count,
      cache_read_input_tokens: count,
      output_tokens: count,
      cache_creation: z.looseObject({ ephemeral_1h_input_tokens: count }).nullish(),
    })
    .nullish(),
  modelUsage: z
    .record(
      z.string(),
      z.looseObject({
        inputTokens: count,
        outputTokens: count,
        cacheReadInputTokens: count,
        cacheCreationInputTokens: count,
        cacheCreationEphemeral1hInputTokens: count,
        costUSD: count,
      }),
    )
    .nullish(),
});
export type CliResult = z.infer<typeof cliResultSchema>;

export interface CliExit {
  stdout: string;
  stderr: string;
  /** Exit code, or null when a signal ended the process. */
  exitCode: number | null;
  /** The signal that ended the process, when one did. */
  exitSignal: string | null;
}

const LINE_CHARS = 300;

/** The first non-empty line of a text, trimmed and capped: enough to explain, never a dump. */
export function firstLine(text: string): string {
  const line = text.split(/\r?\n/).find((candidate) => candidate.trim() !== '') ?? '';
  const trimmed = line.trim();
  return trimmed.length > LINE_CHARS ? `${trimmed.slice(0, LINE_CHARS)}…` : trimmed;
}

/** Finds the result object in stdout: the whole text, or its last JSON line, or the last `result` of an array. */
export function parseCliStdout(stdout: string): CliResult | undefined {
  const trimmed = stdout.trim();
  const candidates = [trimmed, trimmed.split(/\r?\n/).at(-1) ?? ''];
  for (const candidate of candidates) {
    let value: unknown;
    try {
      value = JSON.parse(candidate);
    } catch {
      continue;
    }
    if (Array.isArray(value)) {
      value = value.findLast(
        (item: unknown) =>
          typeof item === 'object' && item !== null && (item as { type?: unknown }).type === 'result',
      );
    }
    const parsed = cliResultSchema.safeParse(value);
    if (parsed.success && (parsed.data.type === undefined || parsed.data.type === 'result'))
      return parsed.data;
  }
  return undefined;
}

export interface Usage {
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  cacheWriteTokens: number | null;
  cacheWrite1hTokens: number | null;
  costUsd: number | null;
}

/**
 * Tokens from `usage` (cumulative over turns; input counts the cache writes and reads, which
 * the CLI reports apart), or from `modelUsage` summed over models when `usage` is all zero
 * (the CLI's error_max_budget_usd result) and modelUsage is not.
 */
export function usageOf(result: CliResult): Usage {
  const costUsd = result.total_cost_usd ?? null;
  const usage = result.usage;
  const fromUsage: Usage = {
    inputTokens: null,
    outputTokens: usage?.output_tokens ?? null,
    cacheReadTokens: usage?.cache_read_input_tokens ?? null,
    cacheWriteTokens: usage?.cache_creation_input_tokens ?? null,
    cacheWrite1hTokens: usage?.cache_creation?.ephemeral_1h_input_tokens ?? null,
    costUsd,
  };
  const anyInput =
    usage?.input_tokens != null || fromUsage.cacheWriteTokens !== null || fromUsage.cacheReadTokens !== null;
  if (anyInput) {
    fromUsage.inputTokens =
      (usage?.input_tokens ?? 0) + (fromUsage.cacheWriteTokens ?? 0) + (fromUsage.cacheReadTokens ?? 0);
  }
  const models = Object.values(result.modelUsage ?? {});
  const usageIsZero = (fromUsage.inputTokens ?? 0) === 0 && (fromUsage.outputTokens ?? 0) === 0;
  if (!usageIsZero || models.length === 0) return fromUsage;
  const sum = (pick: (model: (typeof models)[number]) => number | null | undefined) =>
    models.reduce((total, model) => total + (pick(model) ?? 0), 0);
  const cacheReadTokens = sum((model) => model.cacheReadInputTokens);
  const cacheWriteTokens = sum((model) => model.cacheCreationInputTokens);
  const fromModels: Usage = {
    inputTokens: sum((model) => model.inputTokens) + cacheReadTokens + cacheWriteTokens,
    outputTokens: sum((model) => model.outputTokens),
    cacheReadTokens,
    cacheWriteTokens,
    cacheWrite1hTokens: sum((model) => model.cacheCreationEphemeral1hInputTokens),
    costUsd,
  };
  return fromModels.inputTokens === 0 && fromModels.outputTokens === 0 ? fromUsage : fromModels;
}
