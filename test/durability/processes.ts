// Child processes for the durability tests: the symbiont CLI and the crash driver, bundled once
// with esbuild (installed with tsx) so that each of the many processes these tests start does
// not resolve ~200 modules through tsx (about 0.7 s a start instead of 3-4 s on a busy machine).
// The bundle is the same source; without esbuild the tests fall back to `node --import tsx`.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const FAKE_CLAUDE = join(REPO_ROOT, 'test/fakes/fake-claude.mjs');
const BUNDLE_DIR = join(REPO_ROOT, 'node_modules/.cache/symbiont-durability');

/** How to start one program: `command ...args <more args>`. */
export interface ProgramCommand {
  command: string;
  args: string[];
  /** Removes the bundle, if one was made. */
  dispose(): void;
}

/** Bundles `source` (a path under the repository) or falls back to tsx. */
export async function prepareProgram(source: string): Promise<ProgramCommand> {
  const entry = join(REPO_ROOT, source);
  try {
    const esbuild = (await import('esbuild')) as typeof import('esbuild');
    mkdirSync(BUNDLE_DIR, { recursive: true });
    const name = source.replace(/[^a-z0-9]+/gi, '-');
    const outfile = join(BUNDLE_DIR, `${name}-${process.pid}-${Date.now()}.mjs`);
    await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile,
      // A native addon: loaded from node_modules, as the unbundled program does.
      external: ['better-sqlite3'],
      banner: {
        js: "import { createRequire as symbiontCreateRequire } from 'node:module'; const require = symbiontCreateRequire(import.meta.url);",
      },
      logLevel: 'error',
    });
    return {
      command: process.execPath,
      args: [outfile],
      dispose: () => rmSync(outfile, { force: true }),
    };
  } catch (error) {
    process.stderr.write(
      `durability tests: could not bundle ${source} (${(error as Error).message}); starting it through tsx\n`,
    );
    return { command: process.execPath, args: ['--import', 'tsx', entry], dispose: () => undefined };
  }
}

/** The symbiont CLI (src/cli/run-cli.ts). */
export function prepareCli(): Promise<ProgramCommand> {
  return prepareProgram('src/cli/run-cli.ts');
}

/** The CLI exactly as the issue names it: `node --import tsx src/cli/run-cli.ts`. */
export const TSX_CLI: ProgramCommand = {
  command: process.execPath,
  args: ['--import', 'tsx', join(REPO_ROOT, 'src/cli/run-cli.ts')],
  dispose: () => undefined,
};

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Started {
  child: ChildProcess;
  /** Everything printed so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves when the process ended. */
  done: Promise<Finished>;
  /** SIGKILLs the process group and waits until it is reaped. */
  kill(): Promise<Finished>;
}

/** Starts a program in its own process group (so a kill takes its children along). */
export function start(program: ProgramCommand, args: readonly string[], env: NodeJS.ProcessEnv): Started {
  const child = spawn(program.command, [...program.args, ...args], {
    cwd: REPO_ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const done = new Promise<Finished>((resolveDone) => {
    child.once('close', (code, signal) => resolveDone({ code, signal, stdout, stderr }));
  });
  return {
    child,
    output: () => ({ stdout, stderr }),
    done,
    kill: async () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
      return done;
    },
  };
}

/** Runs a program to its end. */
export function run(
  program: ProgramCommand,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<Finished> {
  return start(program, args, env).done;
}

/** Polls `check` every `everyMs` until it returns a value other than undefined, or times out. */
export async function waitFor<T>(
  check: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 20_000,
  everyMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, everyMs));
  }
}
