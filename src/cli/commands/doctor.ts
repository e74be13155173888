// `symbiont doctor`: says which provider a run would use and why, where the data lives, and
// checks the provider without spending tokens (lists models, or asks the CLI its version and
// `claude auth status`).
// Exits 0 when the check passes, 1 otherwise.

import { execFile } from 'node:child_process';
import { Command } from 'commander';
import { AnthropicProvider } from '../../adapters/providers/anthropic.js';
import { claudeAuthStatus } from '../../adapters/providers/claude-cli-auth.js';
import {
  isOlderThanMinimum,
  MIN_CLAUDE_CLI_VERSION,
} from '../../adapters/providers/claude-cli-invocation.js';
import { checkOpenAICompatibleServer } from '../../adapters/providers/openai-compatible.js';
import type { ProviderCheck } from '../../adapters/providers/provider-options.js';
import { dataDirWarnings } from '../../adapters/system/data-dir.js';
import { SIMULATED_NOTICE } from '../../app/compose.js';
import { resolveHome } from '../../config/home.js';
import { anthropicOptionsFromEnv, tierModelsFromEnv } from '../../config/provider-env.js';
import { findOnPath, type ProviderSelection, selectProvider } from '../../config/provider-selection.js';
import { toSymbiontError } from '../../core/errors.js';
import { CliExit, EXIT_FAILED } from '../exit.js';

export interface DoctorOptions {
  /** Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Default: findOnPath over the env's PATH. */
  findOnPath?: (binary: string) => string | undefined;
  /** Where the report goes. Default: stdout. */
  write?: (text: string) => void;
  /** The fetch for HTTP checks (tests). Default: the global fetch. */
  fetch?: typeof fetch;
  /** How long a check may take. Default 15,000 ms. */
  timeoutMs?: number;
}

interface DoctorFlags {
  provider?: string;
  claudeBin?: string;
  baseUrl?: string;
}

export function doctorCommand(options: DoctorOptions = {}): Command {
  return new Command('doctor')
    .description('show which provider would be used and why, and check it without spending tokens')
    .option('--provider <name>', 'simulated | claude-cli | anthropic | openai-compatible')
    .option(
      '--claude-bin <path>',
      'the claude executable (default: SYMBIONT_CLAUDE_BIN, else claude on PATH)',
    )
    .option('--base-url <url>', 'base URL of an OpenAI-compatible server')
    .action(async (_flags: DoctorFlags, command: Command) => {
      const passed = await runDoctor(command.optsWithGlobals<DoctorFlags>(), options);
      if (!passed) throw new CliExit(EXIT_FAILED);
    });
}

/** Prints the report; resolves whether the check passed. */
export async function runDoctor(flags: DoctorFlags, options: DoctorOptions = {}): Promise<boolean> {
  const env = options.env ?? process.env;
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const find = options.findOnPath ?? ((binary: string) => findOnPath(binary, env));
  const selection = selectProvider({ flag: flags.provider, env, findOnPath: find });
  write(`provider: ${selection.name}\n`);
  write(`why: ${selection.reason}\n`);
  write(`data home: ${resolveHome(env)}\n`);
  for (const warning of dataDirWarnings(resolveHome(env))) write(`warning: ${warning}\n`);
  const signal = AbortSignal.timeout(options.timeoutMs ?? 15_000);
  let check: ProviderCheck;
  try {
    check = await checkProvider(selection, flags, { env, find, write, signal, fetch: options.fetch });
  } catch (error) {
    check = { ok: false, detail: toSymbiontError(error).message };
  }
  write(`check: ${check.ok ? 'ok' : 'FAILED'}: ${check.detail}\n`);
  return check.ok;
}

interface CheckContext {
  env: NodeJS.ProcessEnv;
  find: (binary: string) => string | undefined;
  write: (text: string) => void;
  signal: AbortSignal;
  fetch: typeof fetch | undefined;
}

async function checkProvider(
  selection: ProviderSelection,
  flags: DoctorFlags,
  context: CheckContext,
): Promise<ProviderCheck> {
  const { env, write, signal } = context;
  switch (selection.name) {
    case 'simulated':
      write(`${SIMULATED_NOTICE}\n`);
      return { ok: true, detail: 'the built-in simulator needs no network and no key' };
    case 'anthropic': {
      const provider = new AnthropicProvider({
        ...anthropicOptionsFromEnv(env),
        ...(context.fetch ? { fetch: context.fetch } : {}),
      });
      writeModels(write, (tier) => provider.modelFor(tier));
      return provider.check(signal);
    }
    case 'openai-compatible': {
      const baseURL = flags.baseUrl?.trim() || env.OPENAI_BASE_URL?.trim();
      if (!baseURL) return { ok: false, detail: 'no base URL: pass --base-url or set OPENAI_BASE_URL' };
      const named = tierModelsFromEnv(env);
      const fallback = env.OPENAI_MODEL?.trim();
      const models = ([1, 2, 3] as const).map((tier) => named[tier] ?? fallback);
      const everyTierNamed = models.every((model) => model !== undefined);
      if (everyTierNamed) writeModels(write, (tier) => models[tier - 1]!);
      else write('models: not set (set OPENAI_MODEL, or SYMBIONT_MODEL_TIER_1, _2 and _3)\n');
      const expected = [...new Set(models.filter((model) => model !== undefined))];
      const apiKey = env.OPENAI_API_KEY?.trim();
      const check = await checkOpenAICompatibleServer(
        { baseURL, ...(apiKey ? { apiKey } : {}), ...(context.fetch ? { fetch: context.fetch } : {}) },
        expected,
        signal,
      );
      if (check.ok && !everyTierNamed) {
        return { ok: false, detail: `${check.detail}; but no model is named for every tier` };
      }
      return check;
    }
    case 'claude-cli': {
      const binary = flags.claudeBin?.trim() || env.SYMBIONT_CLAUDE_BIN?.trim() || context.find('claude');
      if (!binary)
        return { ok: false, detail: 'no claude executable: install the Claude CLI or pass --claude-bin' };
      const version = await claudeVersion(binary, env, signal);
      if (!version.ok) return version;
      if (isOlderThanMinimum(version.detail)) {
        return { ok: false, detail: `${version.detail}; symbiont needs ${MIN_CLAUDE_CLI_VERSION} or later` };
      }
      // `claude auth status` is free: no request, no tokens.
      const auth = await claudeAuthStatus(binary, env, signal);
      return { ok: auth.ok, detail: `${version.detail}; ${auth.detail}` };
    }
  }
}

function writeModels(write: (text: string) => void, modelFor: (tier: 1 | 2 | 3) => string): void {
  write(`models: tier 1 ${modelFor(1)}, tier 2 ${modelFor(2)}, tier 3 ${modelFor(3)}\n`);
}

/** `claude --version` costs no tokens and proves the executable runs. */
function claudeVersion(binary: string, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<ProviderCheck> {
  return new Promise((resolve) => {
    execFile(binary, ['--version'], { env, signal, timeout: 15_000 }, (error, stdout, stderr) => {
      if (error) {
        const detail = stderr.trim() || error.message;
        resolve({ ok: false, detail: `${binary} --version failed: ${detail.split('\n')[0]}` });
        return;
      }
      resolve({ ok: true, detail: `${binary} --version: ${stdout.trim().split('\n')[0]}` });
    });
  });
}
