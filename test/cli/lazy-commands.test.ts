// The CLI's command table (main.ts) loads each command's module only when it runs: its names
// and summaries must be the commands' own, and help must list every command.

import { describe, expect, it } from 'vitest';
import { buildProgram, COMMANDS } from '../../src/cli/main.js';
import { runCli } from './cli-helpers.js';

describe('lazily loaded commands', () => {
  it("names and summarises each command as the command's own module does", async () => {
    for (const entry of COMMANDS) {
      const command = await entry.load();
      expect(command.name()).toBe(entry.name);
      expect(command.description()).toBe(entry.summary);
    }
    expect(new Set(COMMANDS.map((entry) => entry.name)).size).toBe(COMMANDS.length);
  });

  it('builds the named command in full and the others as placeholders', async () => {
    const program = await buildProgram(['ledger', 'verify']);
    const byName = new Map(program.commands.map((command) => [command.name(), command]));
    expect([...byName.keys()]).toEqual(COMMANDS.map((entry) => entry.name));
    const ledger = await COMMANDS.find((entry) => entry.name === 'ledger')!.load();
    const subcommands = ledger.commands.map((command) => command.name());
    expect(subcommands).toContain('verify');
    expect(byName.get('ledger')!.commands.map((command) => command.name())).toEqual(subcommands);
    expect(byName.get('run')!.options).toEqual([]);
    const help = await buildProgram(['help', 'run']);
    expect(help.commands.find((command) => command.name() === 'run')!.options.length).toBeGreaterThan(5);
  });

  it('lists every command in --help, and shows a command its own options', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    for (const entry of COMMANDS) expect(top.stdout).toMatch(new RegExp(`\\n  ${entry.name} `));
    const run = await runCli(['run', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--model <tier=name>');
    const unknown = await runCli(['nonsense']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'nonsense'");
  });
});
