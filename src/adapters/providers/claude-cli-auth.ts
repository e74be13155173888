// `claude auth status`: whether the Claude Code CLI has a login or a key, without a request and
// without spending tokens (for `symbiont doctor`). The CLI prints JSON with `loggedIn` and exits
// 1 when it is not logged in (CLI 2.1.332).

import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { reducedEnvironment, refusedFlag, tooOldError } from './claude-cli-invocation.js';
import type { ProviderCheck } from './provider-options.js';

export interface ClaudeAuthStatus extends ProviderCheck {
  /** What the CLI said; null when it said nothing we could read. */
  loggedIn: boolean | null;
  /** How it is logged in, when it says (e.g. `claude.ai`, `api_key`). */
  authMethod?: string;
}

const AUTH_TIMEOUT_MS = 15_000;
const NOT_LOGGED_IN_HINT = 'log in with `claude auth login`, or set ANTHROPIC_API_KEY';

/** Parses the JSON `claude auth status` printed; undefined when it is not that JSON. */
export function parseAuthStatus(stdout: string): { loggedIn: boolean; authMethod?: string } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(stdout.trim());
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { loggedIn, authMethod } = value as { loggedIn?: unknown; authMethod?: unknown };
  if (typeof loggedIn !== 'boolean') return undefined;
  return typeof authMethod === 'string' && authMethod !== '' ? { loggedIn, authMethod } : { loggedIn };
}

/** Runs `<bin> auth status` with the environment the provider would give the CLI. Never rejects. */
export function claudeAuthStatus(
  bin: string,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): Promise<ClaudeAuthStatus> {
  return new Promise((resolve) => {
    execFile(
      bin,
      ['auth', 'status'],
      { env: reducedEnvironment(env), cwd: tmpdir(), signal, timeout: AUTH_TIMEOUT_MS, windowsHide: true },
      (error, stdout, stderr) => {
        const parsed = parseAuthStatus(stdout);
        if (parsed?.loggedIn === true) {
          const how = parsed.authMethod === undefined ? '' : ` (${parsed.authMethod})`;
          resolve({ ok: true, detail: `claude auth status: logged in${how}`, ...parsed });
        } else if (parsed?.loggedIn === false) {
          resolve({
            ok: false,
            loggedIn: false,
            detail: `claude auth status: not logged in: ${NOT_LOGGED_IN_HINT}`,
          });
        } else {
          const flag = refusedFlag(`${stderr}\n${stdout}`);
          const said = (stderr.trim() || stdout.trim() || error?.message || 'no output').split('\n')[0] ?? '';
          const detail =
            flag !== undefined || /unknown command/i.test(said)
              ? tooOldError(flag ?? 'auth status', {}).message
              : `claude auth status did not say whether the CLI is logged in: ${said.slice(0, 200)}`;
          resolve({ ok: false, loggedIn: null, detail });
        }
      },
    );
  });
}
