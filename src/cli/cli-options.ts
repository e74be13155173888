// Shared command-line options: parsing and validating the flags that become AppConfig and
// task settings. Bad values are INVALID_ARGUMENT errors naming the flag (exit status 2).

import { type Command, Option } from 'commander';
import type { AppConfig } from '../app/compose.js';
import { PROVIDER_NAMES } from '../app/providers/registry.js';
import { SymbiontError } from '../core/errors.js';
import type { TaskSettings } from '../core/records.js';
import { type BoundedSetting, describeBound, SETTING_BOUNDS, withinBound } from '../core/task-settings.js';
import { addModelOption, modelsFromFlags } from './model-flag.js';

export interface CommonFlags {
  provider?: string;
  store?: string;
  database?: string;
  redis?: string;
  claudeBin?: string;
  baseUrl?: string;
  ledgerKey?: string;
}

export interface RunFlags extends CommonFlags {
  concurrency?: string;
  timeout?: string;
  budget?: string;
  escalate?: boolean;
  maxAttempts?: string;
  json?: boolean;
  plan?: string;
  model?: string[];
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
    .addOption(new Option('--provider <name>', PROVIDER_NAMES.join(' | ')))
    .addOption(
      new Option('--store <kind>', 'task store: sqlite (durable, default) or memory').choices([
        'sqlite',
        'memory',
      ]),
    )
    .option(
      '--database <url>',
      'PostgreSQL (postgres://…) for tasks and ledger, shared by several machines (default: SYMBIONT_DATABASE_URL)',
    )
    .option(
      '--redis <url>',
      'Redis: model calls run on `symbiont worker` processes via BullMQ (default: SYMBIONT_REDIS_URL; needs --database)',
    )
    .option(
      '--claude-bin <path>',
      'the claude executable (default: SYMBIONT_CLAUDE_BIN, else claude on PATH)',
    )
    .option('--base-url <url>', 'base URL of an OpenAI-compatible server')
    .option(
      '--ledger-key <path>',
      'private key that signs ledger checkpoints (default: SYMBIONT_LEDGER_KEY)',
    );
}

export function addRunOptions(command: Command): Command {
  return addModelOption(addCommonOptions(command))
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

/**
 * A flag's value as the setting it sets, checked against the setting's bounds (core/task-settings.ts,
 * the same bounds the HTTP API uses). `scale` turns the flag's unit into the setting's (seconds to ms).
 */
function boundedFlag(flag: string, value: string, setting: BoundedSetting, scale = 1, unit = ''): number {
  const bound = SETTING_BOUNDS[setting];
  const parsed = value.trim() === '' ? Number.NaN : Number(value) * scale;
  const scaled = bound.integer && scale !== 1 ? Math.round(parsed) : parsed;
  if (!withinBound(bound, scaled)) {
    const expected =
      scale === 1
        ? describeBound(bound)
        : `a number of ${unit} from ${bound.min / scale} to ${bound.max / scale}`;
    throw new SymbiontError('INVALID_ARGUMENT', `${flag} expects ${expected}, got '${value}'`);
  }
  return scaled;
}

export function appConfigFrom(flags: CommonFlags): AppConfig {
  return {
    ...(flags.provider ? { provider: flags.provider } : {}),
    ...(flags.store ? { store: flags.store as 'sqlite' | 'memory' } : {}),
    ...(flags.database ? { databaseUrl: flags.database } : {}),
    ...(flags.redis ? { redisUrl: flags.redis } : {}),
    ...(flags.claudeBin ? { claudeBin: flags.claudeBin } : {}),
    ...(flags.baseUrl ? { baseUrl: flags.baseUrl } : {}),
    ...(flags.ledgerKey ? { ledgerKey: flags.ledgerKey } : {}),
  };
}

export function settingsFrom(flags: RunFlags): Partial<TaskSettings> {
  const settings: Partial<TaskSettings> = {};
  if (flags.concurrency !== undefined) {
    settings.concurrency = boundedFlag('--concurrency', flags.concurrency, 'concurrency');
  }
  if (flags.timeout !== undefined) {
    settings.timeout_ms = boundedFlag('--timeout', flags.timeout, 'timeout_ms', 1000, 'seconds');
  }
  if (flags.budget !== undefined) settings.budget_usd = boundedFlag('--budget', flags.budget, 'budget_usd');
  if (flags.maxAttempts !== undefined) {
    settings.max_attempts = boundedFlag('--max-attempts', flags.maxAttempts, 'max_attempts');
  }
  if (flags.escalate === false) settings.escalate = false;
  if (flags.synthesis === false) settings.synthesis = false;
  const models = modelsFromFlags(flags.model);
  if (Object.keys(models).length > 0) settings.models = models;
  return settings;
}

/** A flag's value as a whole number of at least `minimum`, else an error naming the flag. */
export function wholeNumber(flag: string, value: string, minimum: number): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < minimum) {
    throw new SymbiontError(
      'INVALID_ARGUMENT',
      `${flag} expects a whole number from ${minimum} up, got '${value}'`,
    );
  }
  return parsed;
}
