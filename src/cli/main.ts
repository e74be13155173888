// The `symbiont` command line: parses, calls the library, renders. Each command lives in
// its own file under commands/ and is registered here.

import { Command, CommanderError } from 'commander';
import { quietOnBrokenPipe } from './broken-pipe.js';
import { doctorCommand } from './commands/doctor.js';
import { cancelCommand, pruneCommand, resumeCommand, showCommand, tasksCommand } from './commands/history.js';
import { ledgerCommand } from './commands/ledger.js';
import { planCommand } from './commands/plan.js';
import { retryCommand } from './commands/retry.js';
import { runCommand } from './commands/run.js';
import { serveCommand } from './commands/serve.js';
import { tokenCommand } from './commands/token.js';
import { watchCommand } from './commands/watch.js';
import { EXIT_USAGE, exitCodeFor, messageFor } from './exit.js';

export function buildProgram(): Command {
  const program = new Command('symbiont')
    .description('Compound task manager for LLM work: plan, run in parallel, ledger every call.')
    .version('0.1.0');
  const commands = [
    runCommand(),
    planCommand(),
    tasksCommand(),
    showCommand(),
    cancelCommand(),
    resumeCommand(),
    retryCommand(),
    watchCommand(),
    pruneCommand(),
    ledgerCommand(),
    serveCommand(),
    tokenCommand(),
    doctorCommand(),
  ];
  for (const command of commands) program.addCommand(command);
  // Errors end as one line and an exit status, never a stack trace.
  const configure = (command: Command) => {
    command.exitOverride();
    command.configureOutput({ writeErr: (text) => process.stderr.write(text) });
    for (const sub of command.commands) configure(sub);
  };
  configure(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  for (const stream of [process.stdout, process.stderr]) quietOnBrokenPipe(stream);
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code)) return 0;
      return EXIT_USAGE;
    }
    const message = messageFor(error);
    if (message) process.stderr.write(`${message}\n`);
    return exitCodeFor(error);
  }
}
