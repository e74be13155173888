// The `simulated` provider's registry entry: offline, chosen when nothing else is configured.

import { createSimulatedProvider, DEFAULT_SIMULATED_MODELS } from '../../adapters/providers/simulated.js';
import type { ProviderEntry } from './provider-entry.js';

/** Printed on every run that uses the simulator (and by `symbiont doctor`). */
export const SIMULATED_NOTICE =
  'symbiont: using the SIMULATED provider: offline, no language model is called, answers and costs are generated. ' +
  'For a real model see "Providers: using a real model" in the README (set ANTHROPIC_API_KEY, put `claude` ' +
  'on PATH or set OPENAI_BASE_URL), then run `symbiont doctor`.';

export const simulatedProvider: ProviderEntry = {
  name: 'simulated',
  notice: SIMULATED_NOTICE,
  summary: 'the built-in offline simulator: no model is called, answers and costs are generated',
  setup:
    'Nothing to install or set. It is the fallback when no other provider is configured; its ' +
    '`[[sim ...]]` directives (below) try failures, retries and long runs offline.',
  env: [
    {
      name: 'SYMBIONT_SIM_LATENCY_SCALE',
      meaning: 'multiplies every simulated latency (0 answers at once)',
      default: '1',
    },
  ],
  defaultModels: DEFAULT_SIMULATED_MODELS,
  prices:
    'its token counts are priced from the built-in table like a real call to the model it names; ' +
    'a `[[sim cost=USD]]` directive reports a cost instead.',
  doctor: async () => ({ ok: true, detail: 'the built-in simulator needs no network and no key' }),
  create: (context) => createSimulatedProvider({ latencyScale: context.simulatedLatencyScale }),
};
