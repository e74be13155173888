// Which provider a run uses and why (SPEC §8): --provider, else SYMBIONT_PROVIDER, else anthropic
// when ANTHROPIC_API_KEY is set, else claude-cli when `claude` is on PATH, else openai-compatible
// when OPENAI_BASE_URL is set, else the simulator.

import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { SymbiontError } from '../core/errors.js';

export const PROVIDER_NAMES = ['simulated', 'claude-cli', 'anthropic', 'openai-compatible'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export interface ProviderSelectionInput {
  /** The --provider flag, if given. */
  flag?: string | undefined;
  env: NodeJS.ProcessEnv;
  /** Finds an executable on PATH. Default: findOnPath over `env.PATH`. */
  findOnPath?: ((binary: string) => string | undefined) | undefined;
}

export interface ProviderSelection {
  name: ProviderName;
  /** Why, in words a person reads (`symbiont doctor` prints it). */
  reason: string;
}

export function isProviderName(value: string): value is ProviderName {
  return (PROVIDER_NAMES as readonly string[]).includes(value);
}

/** Checks a provider name from the flag or the environment. */
export function parseProviderName(value: string, source: string): ProviderName {
  const name = value.trim();
  if (isProviderName(name)) return name;
  throw new SymbiontError(
    'INVALID_ARGUMENT',
    `unknown provider '${name}': expected simulated, claude-cli, anthropic or openai-compatible`,
    { context: { source, value: name } },
  );
}

export function selectProvider(input: ProviderSelectionInput): ProviderSelection {
  const { env } = input;
  const find = input.findOnPath ?? ((binary: string) => findOnPath(binary, env));
  if (input.flag !== undefined && input.flag.trim() !== '') {
    return { name: parseProviderName(input.flag, '--provider'), reason: 'chosen with --provider' };
  }
  if (env.SYMBIONT_PROVIDER && env.SYMBIONT_PROVIDER.trim() !== '') {
    return {
      name: parseProviderName(env.SYMBIONT_PROVIDER, 'SYMBIONT_PROVIDER'),
      reason: 'chosen with SYMBIONT_PROVIDER',
    };
  }
  if (env.ANTHROPIC_API_KEY && env.ANTHROPIC_API_KEY.trim() !== '') {
    return { name: 'anthropic', reason: 'ANTHROPIC_API_KEY is set' };
  }
  const claude = find('claude');
  if (claude) return { name: 'claude-cli', reason: `the claude CLI is on PATH (${claude})` };
  if (env.OPENAI_BASE_URL && env.OPENAI_BASE_URL.trim() !== '') {
    return { name: 'openai-compatible', reason: `OPENAI_BASE_URL is set (${env.OPENAI_BASE_URL})` };
  }
  return {
    name: 'simulated',
    reason:
      'no provider is configured (no --provider, SYMBIONT_PROVIDER, ANTHROPIC_API_KEY, claude on PATH or OPENAI_BASE_URL)',
  };
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
