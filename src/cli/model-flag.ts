// `--model TIER=NAME` (repeatable, on `run` and `plan`): the model of a tier for one task, kept
// in its settings (so a resumed task keeps it). TIER is 1, 2, 3 or haiku, sonnet, opus.

import { type Command, Option } from 'commander';
import { SymbiontError } from '../core/errors.js';
import type { TaskSettings } from '../core/records.js';

const TIER_NAMES: Readonly<Record<string, '1' | '2' | '3'>> = {
  '1': '1',
  '2': '2',
  '3': '3',
  haiku: '1',
  sonnet: '2',
  opus: '3',
};

const EXPECTED_TIER = '1, 2, 3, haiku, sonnet or opus';

export function addModelOption(command: Command): Command {
  return command.addOption(
    new Option(
      '--model <tier=name>',
      `the model of a tier for this task, TIER one of ${EXPECTED_TIER} (repeatable)`,
    ).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]),
  );
}

/** The tier-to-model map of the `--model` values; a bad value is INVALID_ARGUMENT naming it. */
export function modelsFromFlags(values: readonly string[] | undefined): TaskSettings['models'] {
  const models: TaskSettings['models'] = {};
  for (const value of values ?? []) {
    const equals = value.indexOf('=');
    if (equals < 0) {
      throw new SymbiontError(
        'INVALID_ARGUMENT',
        `--model expects TIER=NAME with TIER one of ${EXPECTED_TIER}, got '${value}'`,
      );
    }
    const tierText = value.slice(0, equals).trim().toLowerCase();
    const name = value.slice(equals + 1).trim();
    const tier = Object.hasOwn(TIER_NAMES, tierText) ? TIER_NAMES[tierText] : undefined;
    if (tier === undefined) {
      throw new SymbiontError(
        'INVALID_ARGUMENT',
        `--model: unknown tier '${value.slice(0, equals)}' in '${value}': expected ${EXPECTED_TIER}`,
      );
    }
    if (name === '' || /[\s\p{Cc}]/u.test(name)) {
      throw new SymbiontError(
        'INVALID_ARGUMENT',
        `--model: '${value}' needs a model name after '=', without spaces`,
      );
    }
    const earlier = models[tier];
    if (earlier !== undefined && earlier !== name) {
      throw new SymbiontError(
        'INVALID_ARGUMENT',
        `--model names tier ${tier} twice ('${earlier}' and '${name}')`,
      );
    }
    models[tier] = name;
  }
  return models;
}
