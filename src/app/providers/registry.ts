// The provider registry: every provider symbiont can run, one entry file each. Adding a provider
// is one new file under providers/ and one line in PROVIDERS. Selection, `symbiont doctor`, the
// composition root and the README's provider section (a test keeps it in step) read this list.

import {
  type ProviderSelection,
  type ProviderSelectionInput,
  parseProviderName,
  selectProvider as selectFrom,
} from '../../config/provider-selection.js';
import { SymbiontError } from '../../core/errors.js';
import type { ModelProvider } from '../../ports/model-provider.js';
import { anthropicProvider } from './anthropic.js';
import { claudeCliProvider } from './claude-cli.js';
import { openAICompatibleProvider } from './openai-compatible.js';
import type { BuildContext, ProviderEntry } from './provider-entry.js';
import { simulatedProvider } from './simulated.js';

/** In the order their names are listed; selectionOrder() gives the order they are tried. */
export const PROVIDERS: readonly ProviderEntry[] = [
  simulatedProvider,
  claudeCliProvider,
  anthropicProvider,
  openAICompatibleProvider,
];

/** Chosen when no provider is named and no selection rule applies. */
export const FALLBACK_PROVIDER = simulatedProvider.name;

export const PROVIDER_NAMES: readonly string[] = PROVIDERS.map((entry) => entry.name);

/** The entry of `name`; an unknown name is an INVALID_ARGUMENT error listing the known ones. */
export function providerEntry(name: string, source = 'provider'): ProviderEntry {
  const known = parseProviderName(name, source, PROVIDER_NAMES);
  return PROVIDERS.find((entry) => entry.name === known)!;
}

/** Which provider a run uses and why: --provider, SYMBIONT_PROVIDER, the rules, the fallback. */
export function selectProvider(
  input: Omit<ProviderSelectionInput, 'providers' | 'fallback'>,
): ProviderSelection {
  return selectFrom({ ...input, providers: PROVIDERS, fallback: FALLBACK_PROVIDER });
}

export type ProviderResolver = (name: string) => ModelProvider;

/**
 * Builds providers by name, once per process: every task of the process shares one instance per
 * provider, so rate limits and caches are process-wide.
 */
export function createProviderResolver(context: BuildContext): ProviderResolver {
  const built = new Map<string, ModelProvider>();
  return (name) => {
    const existing = built.get(name);
    if (existing) return existing;
    const entry = PROVIDERS.find((candidate) => candidate.name === name);
    if (!entry) {
      throw new SymbiontError(
        'CONFIG',
        `unknown provider '${name}': expected one of ${PROVIDER_NAMES.join(', ')}`,
      );
    }
    const provider = entry.create(context);
    built.set(name, provider);
    return provider;
  };
}
