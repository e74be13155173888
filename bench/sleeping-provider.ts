// A provider for the scheduling benchmarks: each subtask (`node-<i>`, the description after the
// subtask marker of its prompt) sleeps its scripted duration, then answers; an abort ends the
// sleep with the signal's reason.

import type { Tier } from '../src/core/records.js';
import type { CompletionRequest, ModelProvider } from '../src/ports/model-provider.js';

const MARKER = '## Your subtask\n';

/** The subtask's description: the prompt after the last subtask marker. */
export function descriptionOf(prompt: string): string {
  return prompt.slice(prompt.lastIndexOf(MARKER) + MARKER.length);
}

export function sleepingProvider(
  durations: readonly number[],
  names: { provider: string; modelPrefix: string },
): ModelProvider {
  return {
    name: names.provider,
    modelFor: (tier: Tier) => `${names.modelPrefix}${tier}`,
    complete: (request: CompletionRequest, signal: AbortSignal) =>
      new Promise((resolve, reject) => {
        const index = Number(descriptionOf(request.prompt).slice(5));
        const timer = setTimeout(
          () => resolve({ text: 'ok', inputTokens: 10, outputTokens: 10, costUsd: 0 }),
          durations[index] ?? 0,
        );
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(signal.reason);
        });
      }),
  };
}
