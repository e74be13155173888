// The `claude-cli` provider's registry entry: runs the Claude Code CLI, which brings its own login.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import {
  claudeAuthStatus,
  createClaudeCliProvider,
  DEFAULT_CLAUDE_MODELS,
} from '../../adapters/providers/claude-cli.js';
import {
  isOlderThanMinimum,
  MIN_CLAUDE_CLI_VERSION,
} from '../../adapters/providers/claude-cli-invocation.js';
import type { DoctorContext, ProviderCheck, ProviderEntry } from './provider-entry.js';

export const claudeCliProvider: ProviderEntry = {
  name: 'claude-cli',
  summary: 'the Claude Code CLI (`claude -p`), with the login it already has',
  setup:
    'Install the Claude Code CLI (`npm install -g @anthropic-ai/claude-code`) and log in once ' +
    '(run `claude`, then `/login`). symbiont runs it as a child process per call, with the login ' +
    'it has, in an empty directory of its own under the data home, with only the variables it ' +
    'needs (PATH, HOME, `ANTHROPIC_*`, `CLAUDE_*`, proxies, locale); `--claude-bin PATH` picks ' +
    'another executable.',
  env: [
    {
      name: 'SYMBIONT_CLAUDE_BIN',
      meaning: 'the claude executable to run (`--claude-bin` wins)',
      default: '`claude` on PATH',
    },
    {
      name: 'CLAUDE_CODE_USE_BEDROCK',
      meaning: 'the CLI uses Amazon Bedrock: the `AWS_*` variables are passed to it too',
      default: 'unset',
    },
    {
      name: 'CLAUDE_CODE_USE_VERTEX',
      meaning:
        'the CLI uses Google Vertex AI: the `GOOGLE_*`, `GCLOUD_*`, `CLOUD_ML_*`, `VERTEX_*` variables are passed to it too',
      default: 'unset',
    },
  ],
  selection: {
    order: 20,
    trigger: 'claude on PATH',
    when: 'an executable `claude` is on PATH',
    applies: ({ findOnPath }) => {
      const claude = findOnPath('claude');
      return claude ? `the claude CLI is on PATH (${claude})` : undefined;
    },
  },
  defaultModels: DEFAULT_CLAUDE_MODELS,
  prices:
    "the CLI reports each call's cost (`total_cost_usd`), which is ledgered as it is; a call " +
    'without one is priced from its tokens with the built-in table.',
  doctor: (context) => {
    const binary = claudeBinary(context);
    if (!binary) {
      return Promise.resolve({
        ok: false,
        detail: 'no claude executable: install the Claude CLI or pass --claude-bin',
      });
    }
    return runChecks(binary, context);
  },
  create: (context) => {
    const binary = context.claudeBin ?? context.env.SYMBIONT_CLAUDE_BIN;
    return createClaudeCliProvider({
      ...(binary ? { binary } : {}),
      env: context.env,
      // The CLI runs in an empty directory of its own, never in the user's or server's cwd.
      workDir: join(context.home, 'claude-cwd'),
    });
  },
};

function claudeBinary(context: DoctorContext): string | undefined {
  return context.claudeBin?.trim() || context.env.SYMBIONT_CLAUDE_BIN?.trim() || context.findOnPath('claude');
}

type ClaudeCheck = (binary: string, context: DoctorContext) => Promise<ProviderCheck>;

/**
 * The doctor's checks, in order, each free (no request, no tokens): the first failure is the
 * verdict, else the details join. The version must be MIN_CLAUDE_CLI_VERSION or later; then
 * `claude auth status` says whether and how the CLI is logged in.
 */
const CHECKS: readonly ClaudeCheck[] = [
  claudeVersion,
  (binary, context) => claudeAuthStatus(binary, context.env, context.signal),
];

async function runChecks(binary: string, context: DoctorContext): Promise<ProviderCheck> {
  const details: string[] = [];
  for (const check of CHECKS) {
    const result = await check(binary, context);
    if (!result.ok) return result;
    details.push(result.detail);
  }
  return { ok: true, detail: details.join('; ') };
}

/** `claude --version` costs no tokens and proves the executable runs. */
function claudeVersion(binary: string, context: DoctorContext): Promise<ProviderCheck> {
  const { env, signal } = context;
  return new Promise((resolve) => {
    execFile(binary, ['--version'], { env, signal, timeout: 15_000 }, (error, stdout, stderr) => {
      if (error) {
        const detail = stderr.trim() || error.message;
        resolve({ ok: false, detail: `${binary} --version failed: ${detail.split('\n')[0]}` });
        return;
      }
      const detail = `${binary} --version: ${stdout.trim().split('\n')[0]}`;
      if (isOlderThanMinimum(detail)) {
        resolve({ ok: false, detail: `${detail}; symbiont needs ${MIN_CLAUDE_CLI_VERSION} or later` });
        return;
      }
      resolve({ ok: true, detail });
    });
  });
}
