// Default task settings, their bounds and their validation. The bounds are defined here once:
// the engine checks them (resolveTaskSettings), the CLI parses its flags against them
// (cli-options.ts) and the HTTP API's request schema is built from them (http/schemas.ts). A bad
// value is an INVALID_ARGUMENT error that names the field, what was expected and what was received.

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

/** Inclusive bounds of each numeric setting (`integer`: whole numbers only). */
export interface SettingBound {
  min: number;
  max: number;
  integer: boolean;
}

export const SETTING_BOUNDS = {
  /** Subtasks of one task at once (the process-wide pool caps them again). */
  concurrency: { min: 1, max: 1024, integer: true },
  /** Per-attempt timeout: 1 ms to 1 hour. */
  timeout_ms: { min: 1, max: 3_600_000, integer: true },
  /** Attempts per subtask and tier, retries included. */
  max_attempts: { min: 1, max: 10, integer: true },
  context_chars: { min: 0, max: 1_000_000, integer: true },
  result_cap: { min: 100, max: 10_000_000, integer: true },
  /** USD; null (no budget) is allowed besides. */
  budget_usd: { min: 0, max: 1_000_000, integer: false },
} as const satisfies Record<string, SettingBound>;

export type BoundedSetting = keyof typeof SETTING_BOUNDS;

/** `an integer from 1 to 64`, `a number from 0 to 1000000`. */
export function describeBound(bound: SettingBound): string {
  return `${bound.integer ? 'an integer' : 'a number'} from ${bound.min} to ${bound.max}`;
}

/** Whether `value` is within the setting's bounds (and whole, when it must be). */
export function withinBound(bound: SettingBound, value: unknown): value is number {
  return (
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!bound.integer || Number.isInteger(value)) &&
    value >= bound.min &&
    value <= bound.max
  );
}

function expectBounded(name: BoundedSetting, value: unknown): void {
  const bound = SETTING_BOUNDS[name];
  if (!withinBound(bound, value)) throw invalidValue(name, describeBound(bound), value);
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
  for (const name of Object.keys(SETTING_BOUNDS) as BoundedSetting[]) {
    if (name === 'budget_usd' && settings.budget_usd === null) continue;
    expectBounded(name, settings[name]);
  }
  if (typeof settings.escalate !== 'boolean') {
    throw invalidValue('escalate', 'a boolean', settings.escalate);
  }
  if (typeof settings.synthesis !== 'boolean') {
    throw invalidValue('synthesis', 'a boolean', settings.synthesis);
  }
  if (![1, 2, 3].includes(settings.synthesis_tier as number)) {
    throw invalidValue('synthesis_tier', 'a tier: 1, 2 or 3', settings.synthesis_tier);
  }
  for (const [tier, model] of Object.entries(settings.models)) {
    if (!['1', '2', '3'].includes(tier) || typeof model !== 'string' || model.length === 0) {
      throw invalidValue('models', 'a map of tiers 1, 2, 3 to model names', { [tier]: model });
    }
  }
  return settings;
}
