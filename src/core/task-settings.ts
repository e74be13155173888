// Default task settings and their validation. Every field names its default; a bad value is
// an INVALID_ARGUMENT error that names the field, what was expected and what was received.

import { invalidValue } from './errors.js';
import type { TaskSettings } from './records.js';

export const DEFAULT_TASK_SETTINGS: TaskSettings = {
  provider: 'simulated',
  concurrency: 4,
  timeout_ms: 120_000,
  max_attempts: 3,
  context_chars: 4_000,
  result_cap: 100_000,
  budget_usd: null,
  escalate: true,
  models: {},
  synthesis: true,
  synthesis_tier: 2,
};

function expectInteger(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `from ${min} and up` : `from ${min} to ${max}`;
    throw invalidValue(name, `an integer ${range}`, value);
  }
}

/** Applies defaults by spread and validates the result. */
export function resolveTaskSettings(
  overrides: Partial<TaskSettings> = {},
  defaults: TaskSettings = DEFAULT_TASK_SETTINGS,
): TaskSettings {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  const settings: TaskSettings = {
    ...defaults,
    ...defined,
    models: { ...defaults.models, ...overrides.models },
  };
  if (typeof settings.provider !== 'string' || settings.provider.length === 0) {
    throw invalidValue('provider', 'a name', settings.provider);
  }
  expectInteger('concurrency', settings.concurrency, 1, 1024);
  expectInteger('timeout_ms', settings.timeout_ms, 1, 24 * 3600 * 1000);
  expectInteger('max_attempts', settings.max_attempts, 1, 20);
  expectInteger('context_chars', settings.context_chars, 0);
  expectInteger('result_cap', settings.result_cap, 100);
  if (
    settings.budget_usd !== null &&
    (typeof settings.budget_usd !== 'number' ||
      !Number.isFinite(settings.budget_usd) ||
      settings.budget_usd < 0)
  ) {
    throw invalidValue('budget_usd', 'a number from 0 and up', settings.budget_usd);
  }
  if (typeof settings.escalate !== 'boolean') {
    throw invalidValue('escalate', 'a boolean', settings.escalate);
  }
  if (typeof settings.synthesis !== 'boolean') {
    throw invalidValue('synthesis', 'a boolean', settings.synthesis);
  }
  expectInteger('synthesis_tier', settings.synthesis_tier, 1, 3);
  for (const [tier, model] of Object.entries(settings.models)) {
    if (!['1', '2', '3'].includes(tier) || typeof model !== 'string' || model.length === 0) {
      throw invalidValue('models', 'a map of tiers 1, 2, 3 to model names', { [tier]: model });
    }
  }
  return settings;
}
