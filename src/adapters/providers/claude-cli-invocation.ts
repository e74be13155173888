// How the `claude-cli` provider runs the CLI: as a bounded, tool-less, context-free model call.
//
// - argv: print mode with JSON output, no tools, a turn limit, no session transcript, no MCP
//   servers but ours (none), and symbiont's own short system prompt in place of Claude Code's
//   (~10.5 K tokens of tools and instructions, plus git status and CLAUDE.md, otherwise). Not
//   `--bare`: it also stops the CLI reading OAuth and keychain logins.
// - planning calls with a JSON schema add `--json-schema`; the CLI answers through its
//   StructuredOutput tool (`structured_output`), which takes a tool round trip, so those calls
//   get two turns (docs/decisions/0012-claude-cli-bounded-call.md).
// - the child's environment is reduced to what the CLI needs, and CLAUDE_CODE_MAX_RETRIES=0 so
//   that symbiont's retry policy, timeout and ledger see every attempt (the CLI's own 10
//   retries take about 3 minutes per failing call).
// - it runs in an empty owner-only directory of its own, never in the user's or the server's
//   working directory (the CLI reads and reports the directory it runs in).

import { chmodSync, lstatSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SymbiontError } from '../../core/errors.js';
import type { CompletionRequest } from '../../ports/model-provider.js';

/** The oldest Claude Code CLI line with every flag below (the fixtures are from 2.1.332). */
export const MIN_CLAUDE_CLI_VERSION = '2.1.0';

/** Replaces Claude Code's system prompt: a plain model call, no agent, no tools. */
export const SYMBIONT_SYSTEM_PROMPT =
  'You are a model called by symbiont, a task manager, for one step of a larger task. ' +
  'Answer the request in the user message directly and completely, as text. You have no tools ' +
  'and no files; everything you need is in the message.';

/**
 * With `stream`, the output is stream-json (which needs --verbose) with partial messages, so
 * that the answer's text arrives as it is written (claude-cli-stream.ts).
 */
export function cliArguments(
  model: string,
  request: CompletionRequest,
  systemPrompt: string,
  stream = false,
): string[] {
  const structured = request.purpose === 'plan' && request.jsonSchema !== undefined;
  const argv = [
    '-p',
    '--model',
    model,
    '--output-format',
    ...(stream ? ['stream-json', '--verbose', '--include-partial-messages'] : ['json']),
    '--tools',
    '',
    '--max-turns',
    structured ? '2' : '1',
    '--no-session-persistence',
    '--strict-mcp-config',
    '--system-prompt',
    systemPrompt,
  ];
  if (structured) argv.push('--json-schema', JSON.stringify(request.jsonSchema));
  return argv;
}

/** Variables passed through by exact name. */
const PASSED = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'TERM',
  'TMPDIR',
  'TMP',
  'TEMP',
  'XDG_CONFIG_HOME',
  'XDG_DATA_HOME',
  'XDG_CACHE_HOME',
  'XDG_RUNTIME_DIR',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  // Windows: where the home, the temp directory and the system live.
  'USERPROFILE',
  'APPDATA',
  'LOCALAPPDATA',
  'SYSTEMROOT',
  'COMSPEC',
]);
/** Variables passed through by prefix or pattern: the CLI's own settings, proxies, locale. */
const PASSED_PATTERN = /^(?:ANTHROPIC_|CLAUDE_|LC_)|^(?:HTTPS?_PROXY|NO_PROXY|ALL_PROXY)$/i;
/** Cloud credentials, passed only when the CLI is told to use that cloud. */
const BEDROCK_PATTERN = /^AWS_/;
const VERTEX_PATTERN = /^(?:GOOGLE_|GCLOUD_|CLOUD_ML_|VERTEX_)/;

/**
 * The child's environment: only what the CLI needs, then CLAUDE_CODE_MAX_RETRIES=0 and, when
 * the request bounds its output, CLAUDE_CODE_MAX_OUTPUT_TOKENS (so the budget's worst case
 * is a real bound). Names are matched case-insensitively for Windows' sake.
 */
export function childEnvironment(env: NodeJS.ProcessEnv, request: CompletionRequest): NodeJS.ProcessEnv {
  const child = reducedEnvironment(env);
  child.CLAUDE_CODE_MAX_RETRIES = '0';
  if (request.maxOutputTokens !== undefined && request.maxOutputTokens > 0) {
    child.CLAUDE_CODE_MAX_OUTPUT_TOKENS = String(Math.floor(request.maxOutputTokens));
  }
  return child;
}

/** Only the variables the CLI needs: PATH, HOME, its own settings, proxies, locale, temp dirs. */
export function reducedEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const bedrock = truthy(env.CLAUDE_CODE_USE_BEDROCK);
  const vertex = truthy(env.CLAUDE_CODE_USE_VERTEX);
  const child: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    const upper = name.toUpperCase();
    const passed =
      PASSED.has(upper) ||
      PASSED_PATTERN.test(upper) ||
      (bedrock && BEDROCK_PATTERN.test(upper)) ||
      (vertex && VERTEX_PATTERN.test(upper));
    if (passed) child[name] = value;
  }
  return child;
}

function truthy(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/**
 * Makes `directory` (owner-only, 0700) if it is missing and checks that it is a directory and
 * not a link; with no directory, makes a private one under the temp directory. Returns it.
 */
export function prepareWorkDir(directory: string | undefined): string {
  if (directory === undefined) return mkdtempSync(join(tmpdir(), 'symbiont-claude-cwd-'));
  try {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    const stat = lstatSync(directory);
    if (!stat.isDirectory()) throw new Error('it is not a directory');
    if ((stat.mode & 0o077) !== 0) chmodSync(directory, 0o700);
  } catch (error) {
    throw new SymbiontError(
      'PROVIDER_UNAVAILABLE',
      `claude-cli: cannot use '${directory}' as the CLI's working directory: ${(error as Error).message}`,
      { cause: error, context: { workDir: directory } },
    );
  }
  return directory;
}

/**
 * The flag an older CLI refused, when its output says so ("error: unknown option '--tools'"),
 * else undefined.
 */
export function refusedFlag(output: string): string | undefined {
  const match = /unknown option ['"`]?(--[\w-]+)/i.exec(output);
  return match?.[1];
}

/** Whether `claude --version` output (e.g. "2.1.332 (Claude Code)") names a CLI older than the minimum. */
export function isOlderThanMinimum(versionOutput: string): boolean {
  const found = /(\d+)\.(\d+)\.(\d+)/.exec(versionOutput);
  if (found === null) return false;
  const minimum = MIN_CLAUDE_CLI_VERSION.split('.').map(Number);
  for (let part = 0; part < 3; part++) {
    const difference = Number(found[part + 1]) - (minimum[part] ?? 0);
    if (difference !== 0) return difference < 0;
  }
  return false;
}

export function tooOldError(flag: string, context: Record<string, unknown>): SymbiontError {
  return new SymbiontError(
    'PROVIDER_UNAVAILABLE',
    `claude-cli: this Claude Code CLI does not support ${flag}; symbiont needs ${MIN_CLAUDE_CLI_VERSION} or later (run \`claude update\` or \`npm install -g @anthropic-ai/claude-code\`)`,
    { context: { ...context, flag, minVersion: MIN_CLAUDE_CLI_VERSION } },
  );
}
