// Settings bounds are defined once (core/task-settings.ts): the engine, the CLI's flags and the
// HTTP API's options accept and refuse the same values.

import { describe, expect, it } from 'vitest';
import { settingsFrom } from '../../src/cli/cli-options.js';
import { resolveTaskSettings, SETTING_BOUNDS } from '../../src/core/task-settings.js';
import { submitOptionsSchema } from '../../src/http/schemas/body-schemas.js';

/** The CLI flag for a setting, and the flag's value for a setting's value. */
const FLAGS = {
  concurrency: { key: 'concurrency', text: (value: number) => String(value) },
  timeout_ms: { key: 'timeout', text: (value: number) => String(value / 1000) },
  max_attempts: { key: 'maxAttempts', text: (value: number) => String(value) },
  budget_usd: { key: 'budget', text: (value: number) => String(value) },
} as const;

function verdicts(setting: keyof typeof FLAGS, value: number) {
  const flag = FLAGS[setting];
  const accepts = (run: () => unknown) => {
    try {
      run();
      return true;
    } catch {
      return false;
    }
  };
  return {
    engine: accepts(() => resolveTaskSettings({ [setting]: value })),
    cli: accepts(() => settingsFrom({ [flag.key]: flag.text(value) })),
    http: submitOptionsSchema.safeParse({ [setting]: value }).success,
  };
}

describe('settings bounds, defined once', () => {
  it.each(Object.keys(FLAGS) as (keyof typeof FLAGS)[])(
    '%s: the same verdicts from the engine, the CLI and the API',
    (setting) => {
      const bound = SETTING_BOUNDS[setting];
      const step = setting === 'timeout_ms' ? 1 : bound.integer ? 1 : 0.01;
      for (const value of [bound.min, bound.max]) {
        expect(verdicts(setting, value), `${setting} = ${value}`).toEqual({
          engine: true,
          cli: true,
          http: true,
        });
      }
      for (const value of [bound.min - step, bound.max + step]) {
        expect(verdicts(setting, value), `${setting} = ${value}`).toEqual({
          engine: false,
          cli: false,
          http: false,
        });
      }
      if (bound.integer && setting !== 'timeout_ms') {
        expect(verdicts(setting, bound.min + 0.5)).toEqual({ engine: false, cli: false, http: false });
      }
    },
  );

  it('names the flag and its range in the CLI message', () => {
    expect(() => settingsFrom({ concurrency: '0' })).toThrow(
      "--concurrency expects an integer from 1 to 1024, got '0'",
    );
    expect(() => settingsFrom({ timeout: 'soon' })).toThrow(
      "--timeout expects a number of seconds from 0.001 to 3600, got 'soon'",
    );
  });
});
