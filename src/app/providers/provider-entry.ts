// What the provider registry knows of one provider: its name, the environment variables it
// reads, when it is chosen without being named, how `symbiont doctor` checks it, and how it is
// built. Selection, `doctor`, the composition root and the README's provider section read it.

import type { ProviderCheck } from '../../adapters/providers/provider-options.js';
import type { Tier } from '../../core/records.js';
import type { Clock } from '../../ports/clock.js';
import type { ModelProvider } from '../../ports/model-provider.js';

export type { ProviderCheck };

/** One environment variable a provider reads. */
export interface EnvVariable {
  name: string;
  /** What it sets, in words a person reads. */
  meaning: string;
  /** Its default, in words (`none`, `https://api.anthropic.com`, ...). */
  default: string;
}

export interface SelectionInput {
  env: NodeJS.ProcessEnv;
  /** Finds an executable on PATH. */
  findOnPath: (binary: string) => string | undefined;
}

/** When a provider is chosen with neither --provider nor SYMBIONT_PROVIDER. */
export interface SelectionRule {
  /** Lower is tried first. */
  order: number;
  /** What triggers it, for the README and the simulator's reason (`ANTHROPIC_API_KEY`). */
  trigger: string;
  /** The rule in README words (Markdown): `` `ANTHROPIC_API_KEY` is set ``. */
  when: string;
  /** Why the provider applies to this environment (doctor prints it), else undefined. */
  applies(input: SelectionInput): string | undefined;
}

export interface DoctorContext {
  env: NodeJS.ProcessEnv;
  /** `--claude-bin` and `--base-url`, when given. */
  claudeBin?: string | undefined;
  baseUrl?: string | undefined;
  findOnPath: (binary: string) => string | undefined;
  /** Prints a report line (with its newline). */
  write: (text: string) => void;
  signal: AbortSignal;
  /** The fetch for HTTP checks (tests). Default: the global fetch. */
  fetch?: typeof fetch | undefined;
}

export interface BuildContext {
  env: NodeJS.ProcessEnv;
  /** The data directory. */
  home: string;
  /** `--claude-bin` and `--base-url`, when given. */
  claudeBin?: string | undefined;
  baseUrl?: string | undefined;
  /** Scales the simulator's latencies (0 = none). */
  simulatedLatencyScale: number;
  clock: Clock;
}

export interface ProviderEntry {
  /** The name of --provider, SYMBIONT_PROVIDER, task settings and the ledger. */
  readonly name: string;
  /** Printed on stderr by every run that uses it, and by `symbiont doctor`. */
  readonly notice?: string;
  /** One line: what it is. */
  readonly summary: string;
  /** What to install or set before it works (a sentence or two of Markdown). */
  readonly setup: string;
  /** Every environment variable it reads (SYMBIONT_PROVIDER aside, which every run reads). */
  readonly env: readonly EnvVariable[];
  /** Omitted: chosen only by name (or as the fallback). */
  readonly selection?: SelectionRule;
  /** The model per tier when nothing names one. */
  readonly defaultModels: Readonly<Partial<Record<Tier, string>>>;
  /** How a call's price is found (Markdown). */
  readonly prices: string;
  /** Checks that it works without spending tokens. */
  doctor(context: DoctorContext): Promise<ProviderCheck>;
  /** Builds it, once per process. Throws a CONFIG error naming what is missing. */
  create(context: BuildContext): ModelProvider;
}

/** SYMBIONT_MODEL_TIER_1, _2 and _3 (read by tierModelsFromEnv), documented per provider. */
export function tierModelVariables(fallback: (tier: Tier) => string): EnvVariable[] {
  return ([1, 2, 3] as const).map((tier) => ({
    name: `SYMBIONT_MODEL_TIER_${tier}`,
    meaning: `the model of tier ${tier} (\`--model ${tier}=NAME\` overrides it for one task)`,
    default: fallback(tier),
  }));
}

export function writeModels(write: (text: string) => void, modelFor: (tier: Tier) => string): void {
  write(`models: tier 1 ${modelFor(1)}, tier 2 ${modelFor(2)}, tier 3 ${modelFor(3)}\n`);
}
