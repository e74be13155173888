// Which provider a run uses and why (SPEC §8): --provider, else SYMBIONT_PROVIDER, else the
// first provider whose selection rule applies (the registry, src/app/providers/registry.ts,
// says which and in what order), else the fallback. Pure but for the PATH search.

import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { SymbiontError } from '../core/errors.js';

/** What selection needs to know of a provider (a registry entry is one). */
export interface SelectionCandidate {
  readonly name: string;
  readonly selection?: {
    /** Lower is tried first. */
    order: number;
    /** What triggers it, named in the fallback's reason. */
    trigger: string;
    applies(input: {
      env: NodeJS.ProcessEnv;
      findOnPath: (binary: string) => string | undefined;
    }): string | undefined;
  };
}

export interface ProviderSelectionInput {
  /** The --provider flag, if given. */
  flag?: string | undefined;
  env: NodeJS.ProcessEnv;
  /** Finds an executable on PATH. Default: findOnPath over `env.PATH`. */
  findOnPath?: ((binary: string) => string | undefined) | undefined;
  /** Every provider, in the order their names are listed. */
  providers: readonly SelectionCandidate[];
  /** The name chosen when no rule applies. */
  fallback: string;
}

export interface ProviderSelection {
  name: string;
  /** Why, in words a person reads (`symbiont doctor` prints it). */
  reason: string;
}

/** `a, b, c or d`. */
export function listInWords(items: readonly string[], conjunction = 'or'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`;
}

/** Checks a provider name from the flag or the environment. */
export function parseProviderName(value: string, source: string, names: readonly string[]): string {
  const name = value.trim();
  if (names.includes(name)) return name;
  throw new SymbiontError('INVALID_ARGUMENT', `unknown provider '${name}': expected ${listInWords(names)}`, {
    context: { source, value: name },
  });
}

export function selectProvider(input: ProviderSelectionInput): ProviderSelection {
  const { env, providers } = input;
  const names = providers.map((provider) => provider.name);
  const find = input.findOnPath ?? ((binary: string) => findOnPath(binary, env));
  if (input.flag !== undefined && input.flag.trim() !== '') {
    return { name: parseProviderName(input.flag, '--provider', names), reason: 'chosen with --provider' };
  }
  if (env.SYMBIONT_PROVIDER && env.SYMBIONT_PROVIDER.trim() !== '') {
    return {
      name: parseProviderName(env.SYMBIONT_PROVIDER, 'SYMBIONT_PROVIDER', names),
      reason: 'chosen with SYMBIONT_PROVIDER',
    };
  }
  const rules = selectionOrder(providers);
  for (const provider of rules) {
    const reason = provider.selection?.applies({ env, findOnPath: find });
    if (reason !== undefined) return { name: provider.name, reason };
  }
  const triggers = [
    '--provider',
    'SYMBIONT_PROVIDER',
    ...rules.map((provider) => provider.selection!.trigger),
  ];
  return {
    name: input.fallback,
    reason: `no provider is configured (no ${listInWords(triggers)})`,
  };
}

/** The providers with a selection rule, in the order they are tried. */
export function selectionOrder<T extends SelectionCandidate>(providers: readonly T[]): T[] {
  return providers
    .filter((provider) => provider.selection !== undefined)
    .sort((a, b) => a.selection!.order - b.selection!.order);
}

/** The first executable file named `binary` in the PATH directories of `env`, else undefined. */
export function findOnPath(binary: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const directories = (env.PATH ?? env.Path ?? '').split(delimiter).filter((directory) => directory !== '');
  const extensions =
    process.platform === 'win32' ? ['', ...(env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';')] : [''];
  for (const directory of directories) {
    for (const extension of extensions) {
      const candidate = join(directory, binary + extension);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
