// Operator limits (SPEC §15): what the operator of a shared server allows, defined here once.
// Each has a snake_case name (the name an error reports), an environment variable and a `serve`
// flag (parsed in config/operator-limits-env.ts), and bounds. A request can only lower them
// (operator-limit-checks.ts): a value over a limit is refused (403 NOT_ALLOWED), a quota or
// count reached is 429 LIMIT_EXCEEDED; either names the limit in the error's context
// ({ limit: { name, value } }).
// Unset (null) means no limit.

import { SymbiontError } from './errors.js';
import { SETTING_BOUNDS, type SettingBound } from './task-settings.js';

export interface OperatorLimits {
  /** Largest budget a task may have, USD (a task without a budget is over it). */
  max_budget_usd: number | null;
  /** The budget of a task that names none, USD (at most max_budget_usd). */
  default_budget_usd: number | null;
  /** What one token's tasks created since UTC midnight may spend, USD. */
  daily_spend_usd_per_token: number | null;
  max_unfinished_tasks_per_token: number | null;
  max_unfinished_tasks: number | null;
  /** Subtasks not yet final, over one token's unfinished tasks. */
  max_queued_subtasks_per_token: number | null;
  max_queued_subtasks: number | null;
  /** Largest plan: hand-written plans and the planner's output alike. */
  max_plan_subtasks: number | null;
  max_attempts: number | null;
  max_timeout_ms: number | null;
  /** Models a request may name, per provider; a provider not listed is not restricted. */
  allowed_models: Readonly<Record<string, readonly string[]>> | null;
}

export type NumericLimit = Exclude<keyof OperatorLimits, 'allowed_models'>;

export const NO_OPERATOR_LIMITS: OperatorLimits = Object.freeze({
  max_budget_usd: null,
  default_budget_usd: null,
  daily_spend_usd_per_token: null,
  max_unfinished_tasks_per_token: null,
  max_unfinished_tasks: null,
  max_queued_subtasks_per_token: null,
  max_queued_subtasks: null,
  max_plan_subtasks: null,
  max_attempts: null,
  max_timeout_ms: null,
  allowed_models: null,
});

const COUNT: SettingBound = { min: 1, max: 10_000_000, integer: true };
const USD: SettingBound = { ...SETTING_BOUNDS.budget_usd };

/** Bounds of each numeric limit, and the environment variable and flag that set it. */
export const OPERATOR_LIMIT_FIELDS: Readonly<
  Record<NumericLimit, { bound: SettingBound; env: string; flag: string; help: string }>
> = {
  max_budget_usd: {
    bound: USD,
    env: 'SYMBIONT_MAX_BUDGET_USD',
    flag: '--max-budget-usd',
    help: 'largest budget per task, USD',
  },
  default_budget_usd: {
    bound: USD,
    env: 'SYMBIONT_DEFAULT_BUDGET_USD',
    flag: '--default-budget-usd',
    help: 'budget of a task that names none, USD',
  },
  daily_spend_usd_per_token: {
    bound: USD,
    env: 'SYMBIONT_DAILY_SPEND_USD_PER_TOKEN',
    flag: '--daily-spend-usd-per-token',
    help: "what one token's tasks may spend per UTC day, USD",
  },
  max_unfinished_tasks_per_token: {
    bound: COUNT,
    env: 'SYMBIONT_MAX_UNFINISHED_TASKS_PER_TOKEN',
    flag: '--max-unfinished-tasks-per-token',
    help: 'unfinished tasks one token may have',
  },
  max_unfinished_tasks: {
    bound: COUNT,
    env: 'SYMBIONT_MAX_UNFINISHED_TASKS',
    flag: '--max-unfinished-tasks',
    help: 'unfinished tasks in all',
  },
  max_queued_subtasks_per_token: {
    bound: COUNT,
    env: 'SYMBIONT_MAX_QUEUED_SUBTASKS_PER_TOKEN',
    flag: '--max-queued-subtasks-per-token',
    help: "subtasks not yet final over one token's tasks",
  },
  max_queued_subtasks: {
    bound: COUNT,
    env: 'SYMBIONT_MAX_QUEUED_SUBTASKS',
    flag: '--max-queued-subtasks',
    help: 'subtasks not yet final in all',
  },
  max_plan_subtasks: {
    bound: COUNT,
    env: 'SYMBIONT_MAX_PLAN_SUBTASKS',
    flag: '--max-plan-subtasks',
    help: 'largest plan (hand-written or planned)',
  },
  max_attempts: {
    bound: SETTING_BOUNDS.max_attempts,
    env: 'SYMBIONT_MAX_ATTEMPTS',
    flag: '--max-attempts',
    help: 'most attempts per subtask',
  },
  max_timeout_ms: {
    bound: SETTING_BOUNDS.timeout_ms,
    env: 'SYMBIONT_MAX_TIMEOUT_MS',
    flag: '--max-timeout-ms',
    help: 'longest per-attempt timeout, ms',
  },
};

/** The environment variable of allowed_models: `provider=model,model;provider=model`. */
export const ALLOWED_MODELS_ENV = 'SYMBIONT_ALLOWED_MODELS';

/** 429: a quota or a count is reached. */
export function limitReached(name: string, value: unknown, detail?: string): SymbiontError {
  return new SymbiontError(
    'LIMIT_EXCEEDED',
    `${name} (${JSON.stringify(value)}) reached${detail ? `: ${detail}` : ''}`,
    { context: { limit: { name, value } } },
  );
}

/** 403: the request asks for more than the operator allows. */
export function notAllowed(name: string, value: unknown, detail: string): SymbiontError {
  return new SymbiontError('NOT_ALLOWED', `${detail}; the operator allows ${name} ${JSON.stringify(value)}`, {
    context: { limit: { name, value } },
  });
}

/** Throws CONFIG unless the limits agree with each other (the default budget within the largest). */
export function checkOperatorLimits(limits: OperatorLimits): OperatorLimits {
  const { max_budget_usd: max, default_budget_usd: fallback } = limits;
  if (max !== null && fallback !== null && fallback > max) {
    throw new SymbiontError(
      'CONFIG',
      `default_budget_usd (${fallback}) is over max_budget_usd (${max}); lower it or raise the maximum`,
    );
  }
  return limits;
}
