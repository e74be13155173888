// The `symbiont` command line: parses, calls the library, renders. Each command lives in
// its own file under commands/ and is registered in COMMANDS below. A command's module (and
// through it the app, the store, the providers) is imported only when that command runs, so
// `symbiont --help` loads commander alone and `symbiont tasks` never loads the HTTP server.

import { Command, CommanderError } from 'commander';
import { quietOnBrokenPipe } from './broken-pipe.js';
import { EXIT_USAGE, exitCodeFor, messageFor } from './exit.js';

export interface CommandEntry {
  name: string;
  /** The one line `symbiont --help` shows; a test checks it is the command's own description. */
  summary: string;
  load(): Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'run',
    summary: 'plan a prompt into subtasks and run them, showing live progress',
    load: async () => (await import('./commands/run.js')).runCommand(),
  },
  {
    name: 'approve',
    summary: 'run a task that waits for approval (run --review, POST /tasks {review: true})',
    load: async () => (await import('./commands/approve.js')).approveCommand(),
  },
  {
    name: 'plan',
    summary: 'plan a prompt into subtasks and print the plan, without running it',
    load: async () => (await import('./commands/plan.js')).planCommand(),
  },
  {
    name: 'tasks',
    summary: 'list recent tasks, newest first',
    load: async () => (await import('./commands/history.js')).tasksCommand(),
  },
  {
    name: 'show',
    summary: 'show a task: its subtask tree and results',
    load: async () => (await import('./commands/history.js')).showCommand(),
  },
  {
    name: 'cancel',
    summary: 'cancel a task that has not finished',
    load: async () => (await import('./commands/history.js')).cancelCommand(),
  },
  {
    name: 'resume',
    summary: 'resume every interrupted task in the home and wait for them to finish',
    load: async () => (await import('./commands/history.js')).resumeCommand(),
  },
  {
    name: 'retry',
    summary:
      'run the failed, skipped and cancelled subtasks of a finished task again (completed results are kept)',
    load: async () => (await import('./commands/retry.js')).retryCommand(),
  },
  {
    name: 'watch',
    summary: 'follow a task that another process or the server runs, until it ends',
    load: async () => (await import('./commands/watch.js')).watchCommand(),
  },
  {
    name: 'prune',
    summary: 'delete finished tasks older than an age (the ledger is never touched)',
    load: async () => (await import('./commands/history.js')).pruneCommand(),
  },
  {
    name: 'ledger',
    summary: 'check and summarise the ledger of model calls',
    load: async () => (await import('./commands/ledger.js')).ledgerCommand(),
  },
  {
    name: 'serve',
    summary: 'serve the HTTP API and the dashboard',
    load: async () => (await import('./commands/serve.js')).serveCommand(),
  },
  {
    name: 'token',
    summary: 'manage the bearer tokens of the HTTP API',
    load: async () => (await import('./commands/token.js')).tokenCommand(),
  },
  {
    name: 'doctor',
    summary: 'show which provider would be used and why, and check it without spending tokens',
    load: async () => (await import('./commands/doctor.js')).doctorCommand(),
  },
  {
    name: 'worker',
    summary:
      'run queued model calls for coordinators on several machines (BullMQ on Redis, results in PostgreSQL)',
    load: async () => (await import('./commands/worker.js')).workerCommand(),
  },
];

/**
 * The program for `argv`: the command it names is loaded in full; every other command is a
 * placeholder with its name and summary, enough for the top-level help.
 */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('symbiont')
    .description('Compound task manager for LLM work: plan, run in parallel, ledger every call.')
    .version('0.1.0');
  const wanted = commandNamed(argv);
  for (const entry of COMMANDS) {
    program.addCommand(
      entry === wanted ? await entry.load() : new Command(entry.name).description(entry.summary),
    );
  }
  // Errors end as one line and an exit status, never a stack trace.
  const configure = (command: Command) => {
    command.exitOverride();
    command.configureOutput({ writeErr: (text) => process.stderr.write(text) });
    for (const sub of command.commands) configure(sub);
  };
  configure(program);
  return program;
}

/** The command `argv` runs (`symbiont NAME ...` or `symbiont help NAME`), if any. */
function commandNamed(argv: readonly string[]): CommandEntry | undefined {
  const [first, second] = argv;
  const name = first === 'help' ? second : first;
  return COMMANDS.find((entry) => entry.name === name);
}

export async function main(argv: string[]): Promise<number> {
  for (const stream of [process.stdout, process.stderr]) quietOnBrokenPipe(stream);
  try {
    const program = await buildProgram(argv);
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
