// A fake `claude` executable (test/fakes/fake-claude.mjs) in a temp directory of its own, with
// the log it writes (argv, stdin, pid, ppid, cwd, env per run) and the real CLI's fixtures it prints.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClaudeCliProviderOptions } from '../../src/adapters/providers/claude-cli.js';
import { createClaudeCliProvider } from '../../src/adapters/providers/claude-cli.js';
import type { ModelProvider } from '../../src/ports/model-provider.js';

export const FAKE_CLAUDE = fileURLToPath(new URL('../fakes/fake-claude.mjs', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures/claude-cli/', import.meta.url));

export interface LogEntry {
  argv: string[];
  stdin: string;
  pid: number;
  /** The process that started the CLI: the spawn helper, never the caller. */
  ppid: number;
  cwd: string;
  env: Record<string, string>;
}

/** A fixture of the real CLI: its exact stdout, parsed, and its exit code. */
export function fixture(name: string): { json: Record<string, unknown>; exitCode: number } {
  return {
    json: JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')),
    exitCode: Number(readFileSync(join(FIXTURES, `${name}.exit-code`), 'utf8').trim()),
  };
}

export function fixtureNames(): string[] {
  return readdirSync(FIXTURES)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

export class FakeClaude {
  readonly directory = mkdtempSync(join(tmpdir(), 'symbiont-fake-claude-'));
  readonly logFile = join(this.directory, 'calls.jsonl');
  /** Where the provider runs the CLI (made by the provider). */
  readonly workDir = join(this.directory, 'home', 'claude-cwd');

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      CLAUDE_FAKE_LOG: this.logFile,
      CLAUDE_FAKE_STATE_DIR: join(this.directory, 'state'),
      ...extra,
    };
  }

  provider(options: ClaudeCliProviderOptions = {}, extraEnv: Record<string, string> = {}): ModelProvider {
    return createClaudeCliProvider({
      binary: FAKE_CLAUDE,
      env: this.env(extraEnv),
      killGraceMs: 500,
      workDir: this.workDir,
      ...options,
    });
  }

  calls(): LogEntry[] {
    if (!existsSync(this.logFile)) return [];
    return readFileSync(this.logFile, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as LogEntry);
  }

  /** Waits until the fake has logged `count` calls (it logs after reading its stdin). */
  async waitForCalls(count: number): Promise<LogEntry[]> {
    for (let waited = 0; waited < 10_000; waited += 20) {
      const calls = this.calls();
      if (calls.length >= count) return calls;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`the fake claude logged fewer than ${count} calls`);
  }

  cleanup(): void {
    rmSync(this.directory, { recursive: true, force: true });
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
