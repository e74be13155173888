import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileTokenStore, tokenFilePath } from '../../src/adapters/auth/file-token-store.js';
import { issueToken } from '../../src/adapters/auth/issue-token.js';
import { tokenCommand } from '../../src/cli/commands/token.js';
import { ROOT, runCli, tempHome } from '../cli/cli-helpers.js';

const homes: { cleanup(): void }[] = [];
function newHome(): string {
  const made = tempHome();
  homes.push(made);
  return made.home;
}
afterEach(() => {
  for (const made of homes.splice(0)) made.cleanup();
});

describe('symbiont token', () => {
  it('prints a new token once, as the last line of stdout, and stores only its SHA-256', async () => {
    const home = newHome();
    const created = await runCli(['token', 'create', '--name', 'ci', '--admin'], { SYMBIONT_HOME: home });
    expect(created.code).toBe(0);
    const token = created.stdout.trimEnd().split('\n').at(-1)!;
    expect(token).toMatch(/^symb_[A-Za-z0-9_-]{43}$/);
    const file = readFileSync(join(home, 'tokens.json'), 'utf8');
    expect(file).not.toContain(token);
    expect(file).toContain(createHash('sha256').update(token).digest('hex'));

    const listed = await runCli(['token', 'list', '--json'], { SYMBIONT_HOME: home });
    expect(JSON.parse(listed.stdout)).toEqual([{ name: 'ci', admin: true, created_at: expect.any(String) }]);
    expect(listed.stdout).not.toContain(token);

    expect((await runCli(['token', 'revoke', 'ci'], { SYMBIONT_HOME: home })).code).toBe(0);
    expect(readFileSync(join(home, 'tokens.json'), 'utf8')).not.toContain('"ci"');
  }, 90_000);

  it('refuses a taken name, a bad name and revoking an unknown token', async () => {
    const home = newHome();
    const previous = process.env.SYMBIONT_HOME;
    process.env.SYMBIONT_HOME = home;
    const run = (args: string[]) => tokenCommand().exitOverride().parseAsync(args, { from: 'user' });
    try {
      await issueToken(new FileTokenStore(tokenFilePath(home)), { name: 'ci' });
      await expect(run(['create', '--name', 'ci'])).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(run(['create', '--name', 'has space'])).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
      await expect(run(['revoke', 'nobody'])).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      if (previous === undefined) delete process.env.SYMBIONT_HOME;
      else process.env.SYMBIONT_HOME = previous;
    }
  });
});

/** Starts `symbiont serve` and resolves once it says where it listens. */
function startServe(
  home: string,
  args: string[],
): Promise<{
  child: ChildProcessWithoutNullStreams;
  url: string;
  stderr: () => string;
  exited: Promise<number | null>;
}> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'src/cli/run-cli.ts'), 'serve', ...args],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        SYMBIONT_HOME: home,
        SYMBIONT_PROVIDER: '',
        ANTHROPIC_API_KEY: '',
        OPENAI_BASE_URL: '',
        PATH: '/usr/bin:/bin',
        SYMBIONT_SIM_LATENCY_SCALE: '1',
      },
    },
  );
  let stderr = '';
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start:\n${stderr}`));
    }, 30_000);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /serving (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]!, stderr: () => stderr, exited });
      }
    });
    exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`serve exited early:\n${stderr}`));
    });
  });
}

describe('symbiont serve', () => {
  it('refuses to bind another address than 127.0.0.1 without tokens', async () => {
    const home = newHome();
    const result = await runCli(['serve', '--host', '0.0.0.0', '--port', '0'], { SYMBIONT_HOME: home });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('refusing to listen on 0.0.0.0 without API tokens');
    expect(result.stderr).not.toContain('serving');
  }, 60_000);

  it('refuses connection limits and a scrape token it cannot use, naming them', async () => {
    const home = newHome();
    const zero = await runCli(['serve', '--port', '0', '--max-connections', '0'], { SYMBIONT_HOME: home });
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('--max-connections expects a whole number from 1');
    const inverted = await runCli(
      ['serve', '--port', '0', '--headers-timeout', '60', '--request-timeout', '30'],
      {
        SYMBIONT_HOME: home,
      },
    );
    expect(inverted.code).toBe(2);
    expect(inverted.stderr).toContain('--headers-timeout must not exceed --request-timeout');
    const short = await runCli(['serve', '--port', '0'], {
      SYMBIONT_HOME: home,
      SYMBIONT_METRICS_TOKEN: 'short',
    });
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('SYMBIONT_METRICS_TOKEN must be at least 16 characters');
    expect(`${zero.stderr}${inverted.stderr}${short.stderr}`).not.toContain('serving');
  }, 90_000);

  it('serves locally without tokens, stops on SIGTERM leaving the task resumable, and resumes it at the next start', async () => {
    const home = newHome();
    const first = await startServe(home, ['--port', '0', '--provider', 'simulated']);
    expect(first.stderr()).toContain('WITHOUT authentication, on 127.0.0.1 only');
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    const submitted = await fetch(`${first.url}/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ plan: { subtasks: [{ description: 'slow [[sim latency=60000]]' }] } }),
    });
    expect(submitted.status).toBe(202);
    const { id } = (await submitted.json()) as { id: string };
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.stderr()).toContain('running tasks stay resumable');
    expect(first.stderr()).toContain('stopped');

    const shown = await runCli(['show', id, '--json'], {
      SYMBIONT_HOME: home,
      SYMBIONT_SIM_LATENCY_SCALE: '0',
    });
    expect(['executing', 'planned']).toContain((JSON.parse(shown.stdout) as { status: string }).status);

    const second = await startServe(home, ['--port', '0', '--provider', 'simulated']);
    expect(second.stderr()).toContain('resumed 1 interrupted task(s)');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 120_000);
});
