// The `symbiont` command line: parses, calls the library, renders. Each command lives in
// its own file under commands/ and is registered here.

import { Command, CommanderError } from 'commander';
import { EXIT_USAGE, exitCodeFor, messageFor } from './exit.js';

export function buildProgram(): Command {
  const program = new Command('symbiont')
    .description('Compound task manager for LLM work: plan, run in parallel, ledger every call.')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  // Commands are added by their modules (see commands/).
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      if (error.code === 'commander.help') return 0;
      return EXIT_USAGE;
    }
    const message = messageFor(error);
    if (message) process.stderr.write(`${message}\n`);
    return exitCodeFor(error);
  }
}
