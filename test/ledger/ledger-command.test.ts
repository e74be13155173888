import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openFileLedger } from '../../src/adapters/ledger/file-ledger.js';
import { ledgerCommand } from '../../src/cli/commands/ledger.js';
import { exitCodeFor } from '../../src/cli/exit.js';
import { makeTempDir, readLines, sampleInput, writeLines } from './fixtures/ledger-fixtures.js';

let temp: ReturnType<typeof makeTempDir>;

beforeEach(async () => {
  temp = makeTempDir();
  const ledger = await openFileLedger(temp.ledgerPath);
  for (let index = 0; index < 4; index += 1) await ledger.append(sampleInput(index));
  await ledger.close();
  process.exitCode = undefined;
});

afterEach(() => {
  temp.remove();
  process.exitCode = undefined;
});

function quiet(command: Command): Command {
  command.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  for (const sub of command.commands) quiet(sub);
  return command;
}

async function run(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ output: string; exitCode: number }> {
  let output = '';
  const command = quiet(ledgerCommand({ out: (text) => (output += text), env }));
  await command.parseAsync(args, { from: 'user' });
  return { output, exitCode: typeof process.exitCode === 'number' ? process.exitCode : 0 };
}

describe('symbiont ledger verify', () => {
  it('without a key, calls a sound chain unverifiable (exit 1), printing its length and last hash', async () => {
    const last = JSON.parse(readLines(temp.ledgerPath)[3]!) as { hash: string };
    const { output, exitCode } = await run(['verify', '--file', temp.ledgerPath]);
    expect(exitCode).toBe(1);
    expect(output).toBe(
      `ledger unverifiable: the chain is intact (4 entries, last hash ${last.hash}) but no public key was given ` +
        '(--key PUB, or SYMBIONT_LEDGER_KEY): a history rewritten with fresh hashes would look the same\n',
    );
  });

  it('exits 1 naming the first bad line', async () => {
    const lines = readLines(temp.ledgerPath);
    lines[1] = lines[1]!.replace('"cost_source":"tokens"', '"cost_source":"estimate"');
    writeLines(temp.ledgerPath, lines);
    const { output, exitCode } = await run(['verify', '--file', temp.ledgerPath]);
    expect(exitCode).toBe(1);
    expect(output).toBe('ledger broken at line 2: hash mismatch (entry was edited)\n');
  });

  it('prints the verdict as JSON', async () => {
    const { output } = await run(['verify', '--file', temp.ledgerPath, '--json']);
    expect(JSON.parse(output)).toMatchObject({
      ok: false,
      chain_ok: true,
      status: 'unverifiable',
      entries: 4,
      lastSeq: 4,
      path: temp.ledgerPath,
    });
  });

  it('reads the ledger in the symbiont home by default', async () => {
    const { output } = await run(['verify'], { SYMBIONT_HOME: temp.dir });
    expect(output).toMatch(/^ledger unverifiable: the chain is intact \(4 entries/);
  });

  it('fails with a usage error (exit 2) when there is no ledger', async () => {
    const failure = await run(['verify', '--file', join(temp.dir, 'none.jsonl')]).catch(
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: 'NOT_FOUND' });
    expect(exitCodeFor(failure)).toBe(2);
  });
});

describe('symbiont ledger report', () => {
  it('prints cost by model, by day and by task as aligned tables', async () => {
    const { output, exitCode } = await run(['report', '--file', temp.ledgerPath]);
    expect(exitCode).toBe(0);
    expect(output).toContain('Cost by model');
    expect(output).toContain('Cost by day');
    expect(output).toContain('Cost by task');
    const modelTable = output.split('\n\n')[0]!.split('\n');
    expect(modelTable[1]).toMatch(/^model\s+calls\s+failed\s+input tokens\s+output tokens\s+cost \(USD\)$/);
    const widths = new Set(modelTable.slice(1).map((line) => line.length));
    expect(widths.size).toBe(1);
    expect(modelTable.at(-1)).toMatch(/^total\s+4\s+0\s+406\s+206\s+0\.010000$/);
  });

  it('prints one dimension as JSON', async () => {
    const { output } = await run(['report', '--file', temp.ledgerPath, '--by', 'task', '--json']);
    const report = JSON.parse(output) as { by: string; rows: { key: string }[]; chain: { ok: boolean } };
    expect(report.by).toBe('task');
    expect(report.rows.map((row) => row.key)).toEqual(['compound-task-1', 'compound-task-0']);
    expect(report.chain.ok).toBe(true);
  });

  it('refuses an unknown dimension', async () => {
    await expect(run(['report', '--file', temp.ledgerPath, '--by', 'week'])).rejects.toMatchObject({
      code: 'commander.invalidArgument',
    });
  });

  it('warns under the tables when the chain is broken', async () => {
    const lines = readLines(temp.ledgerPath);
    lines.splice(1, 1);
    writeLines(temp.ledgerPath, lines);
    const { output } = await run(['report', '--file', temp.ledgerPath, '--by', 'model']);
    expect(output).toContain(
      "warning: the ledger's chain is broken at line 2: prev_hash does not match line 1",
    );
  });
});

describe('symbiont ledger (child process)', () => {
  function cli(args: string[]) {
    return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/run-cli.ts', 'ledger', ...args], {
      cwd: join(import.meta.dirname, '../..'),
      encoding: 'utf8',
      env: { ...process.env, SYMBIONT_HOME: temp.dir, SYMBIONT_LEDGER_KEY: '' },
    });
  }

  it('exits 1, 1 and 2 for an unsigned, a broken and a missing ledger', () => {
    const sound = cli(['verify']);
    expect(sound.stdout).toMatch(
      /^ledger unverifiable: the chain is intact \(4 entries, last hash [0-9a-f]{64}\)/,
    );
    expect(sound.status).toBe(1);
    const lines = readLines(temp.ledgerPath);
    writeLines(temp.ledgerPath, [lines[0]!, lines[2]!, lines[1]!, lines[3]!]);
    const broken = cli(['verify', '--file', temp.ledgerPath]);
    expect(broken.stdout).toContain('ledger broken at line 2: prev_hash does not match line 1');
    expect(broken.status).toBe(1);
    fs.rmSync(temp.ledgerPath);
    const missing = cli(['verify']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain(`no ledger at ${temp.ledgerPath}`);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });
});
