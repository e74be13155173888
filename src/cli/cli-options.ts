// Shared command-line options: parsing and validating the flags that become AppConfig and
// task settings. Bad values are INVALID_ARGUMENT errors naming the flag (exit status 2).

import { type Command, Option } from 'commander';
import type { AppConfig } from '../app/compose.js';
import { SymbiontError } from '../core/errors.js';
import type { TaskSettings } from '../core/records.js';

export interface CommonFlags {
  provider?: string;
  store?: string;
  claudeBin?: string;
  baseUrl?: string;
}

export interface RunFlags extends CommonFlags {
  concurrency?: string;
  timeout?: string;
  budget?: string;
  escalate?: boolean;
  maxAttempts?: string;
  json?: boolean;
  plan?: string;
  /** `--no-synthesis`: false. */
  synthesis?: boolean;
}

/** How a command that runs a task ends its output (`run`, `retry`). */
export interface ReportFlags {
  json?: boolean;
  steps?: boolean;
  output?: string;
}

export function addCommonOptions(command: Command): Command {
  return command
    .addOption(new Option('--provider <name>', 'simulated | claude-cli | anthropic | openai-compatible'))
    .addOption(
      new Option('--store <kind>', 'task store: sqlite (durable, default) or memory').choices([
        'sqlite',
        'memory',
      ]),
    )
    .option(
      '--claude-bin <path>',
      'the claude executable (default: SYMBIONT_CLAUDE_BIN, else claude on PATH)',
    )
    .option('--base-url <url>', 'base URL of an OpenAI-compatible server');
}

export function addRunOptions(command: Command): Command {
  return addCommonOptions(command)
    .option('--concurrency <n>', 'subtasks running at once in this task (default 4)')
    .option('--timeout <seconds>', 'per-attempt timeout in seconds (default 120)')
    .option('--budget <usd>', 'stop dispatching when this much USD would be exceeded')
    .option('--max-attempts <n>', 'attempts per subtask and tier, retries included (default 3)')
    .option('--no-escalate', 'do not retry a failed subtask one tier up')
    .option('--no-synthesis', 'no call to write one answer from several final steps: their results, joined')
    .option('--json', 'print the final task record as JSON on stdout, nothing else');
}

/** `--steps` and `--output FILE`: the options of a command that ends with the answer. */
export function addReportOptions(command: Command): Command {
  return command
    .option('--steps', "show each step's status, cost and result before the answer")
    .option('--output <file>', 'also write the answer to this file');
}

function positiveNumber(flag: string, value: string, integer: boolean): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0 || (integer && !Number.isInteger(parsed))) {
    throw new SymbiontError(
      'INVALID_ARGUMENT',
      `${flag} expects a ${integer ? 'whole number' : 'number'} above 0, got '${value}'`,
    );
  }
  return parsed;
}

export function appConfigFrom(flags: CommonFlags): AppConfig {
  return {
    ...(flags.provider ? { provider: flags.provider } : {}),
    ...(flags.store ? { store: flags.store as 'sqlite' | 'memory' } : {}),
    ...(flags.claudeBin ? { claudeBin: flags.claudeBin } : {}),
    ...(flags.baseUrl ? { baseUrl: flags.baseUrl } : {}),
  };
}

export function settingsFrom(flags: RunFlags): Partial<TaskSettings> {
  const settings: Partial<TaskSettings> = {};
  if (flags.concurrency !== undefined)
    settings.concurrency = positiveNumber('--concurrency', flags.concurrency, true);
  if (flags.timeout !== undefined) {
    settings.timeout_ms = Math.round(positiveNumber('--timeout', flags.timeout, false) * 1000);
  }
  if (flags.budget !== undefined) {
    const budget = Number(flags.budget);
    if (!Number.isFinite(budget) || budget < 0) {
      throw new SymbiontError(
        'INVALID_ARGUMENT',
        `--budget expects a USD amount of 0 or more, got '${flags.budget}'`,
      );
    }
    settings.budget_usd = budget;
  }
  if (flags.maxAttempts !== undefined) {
    settings.max_attempts = positiveNumber('--max-attempts', flags.maxAttempts, true);
  }
  if (flags.escalate === false) settings.escalate = false;
  if (flags.synthesis === false) settings.synthesis = false;
  return settings;
}
