// Runs the CLI from source in a child process with its own SYMBIONT_HOME, as a user would.

import { type ChildProcess, type ChildProcessByStdio, type StdioOptions, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { NO_PROVIDER_ENV } from '../helpers/cli-home.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const FAKE_CLAUDE = join(ROOT, 'test/fakes/fake-claude.mjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node --import tsx src/cli/run-cli.ts ...args` from the repository, `env` its whole environment. */
export function spawnCli(
  args: string[],
  env: NodeJS.ProcessEnv,
): ChildProcessByStdio<null, Readable, Readable>;
export function spawnCli(args: string[], env: NodeJS.ProcessEnv, stdio: StdioOptions): ChildProcess;
export function spawnCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  stdio: StdioOptions = ['ignore', 'pipe', 'pipe'],
): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/run-cli.ts'), ...args], {
    cwd: ROOT,
    env,
    stdio,
  });
}

/** process.env without a provider from the developer's environment, a plain PATH, then `env`. */
export function cliEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...NO_PROVIDER_ENV, PATH: '/usr/bin:/bin', ...env };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawnCli(args, cliEnv(env));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`symbiont ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

export function tempHome(): { home: string; cleanup(): void } {
  const home = mkdtempSync(join(tmpdir(), 'symbiont-cli-'));
  return { home, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}
