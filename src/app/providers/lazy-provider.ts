// A provider whose adapter module is imported at its first call, for adapters that pull in a
// large dependency (the Anthropic SDK): commands that never call a model never load it.

import type { Tier } from '../../core/records.js';
import type { CompletionRequest, CompletionResult, ModelProvider } from '../../ports/model-provider.js';

export function lazyProvider(
  name: string,
  models: Readonly<Record<Tier, string>>,
  load: () => Promise<ModelProvider>,
): ModelProvider {
  let loading: Promise<ModelProvider> | undefined;
  return {
    name,
    modelFor: (tier) => models[tier],
    async complete(request: CompletionRequest, signal: AbortSignal): Promise<CompletionResult> {
      loading ??= load();
      const provider = await loading;
      return provider.complete(request, signal);
    },
  };
}
