// A submission under the operator limits (operator-limits.ts), pure: the settings a request
// names are checked and those it leaves out lowered to the limits; the open work and the day's
// spend are held to their counts and quota. engine/admission.ts gathers the figures.

import { limitReached, notAllowed, type OperatorLimits } from './operator-limits.js';
import type { TaskSettings } from './records.js';

/**
 * The settings overrides of a request under the limits: values the request names are checked
 * (over a limit: NOT_ALLOWED), values it leaves out are lowered to the limits (the default
 * budget applies). `defaults` are the server's own task defaults.
 */
export function limitSettings(
  limits: OperatorLimits,
  requested: Partial<TaskSettings>,
  defaults: TaskSettings,
): Partial<TaskSettings> {
  const settings: Partial<TaskSettings> = { ...requested };
  const { max_budget_usd: maxBudget } = limits;
  if (requested.budget_usd !== undefined) {
    if (maxBudget !== null && (requested.budget_usd === null || requested.budget_usd > maxBudget)) {
      throw notAllowed(
        'max_budget_usd',
        maxBudget,
        requested.budget_usd === null ? 'a task without a budget' : `a budget of ${requested.budget_usd} USD`,
      );
    }
  } else {
    const fallback = limits.default_budget_usd ?? defaults.budget_usd;
    if (fallback !== null)
      settings.budget_usd = maxBudget === null ? fallback : Math.min(fallback, maxBudget);
    else if (maxBudget !== null) settings.budget_usd = maxBudget;
  }
  capped(
    settings,
    'max_attempts',
    limits.max_attempts,
    requested.max_attempts,
    defaults.max_attempts,
    'attempts',
  );
  capped(
    settings,
    'timeout_ms',
    limits.max_timeout_ms,
    requested.timeout_ms,
    defaults.timeout_ms,
    'ms of timeout',
  );
  const provider = requested.provider ?? defaults.provider;
  const allowed = limits.allowed_models?.[provider];
  if (allowed !== undefined) {
    for (const [tier, model] of Object.entries(requested.models ?? {})) {
      if (model !== undefined && !allowed.includes(model)) {
        throw notAllowed('allowed_models', { [provider]: allowed }, `model '${model}' for tier ${tier}`);
      }
    }
  }
  return settings;
}

function capped(
  settings: Partial<TaskSettings>,
  field: 'max_attempts' | 'timeout_ms',
  limit: number | null,
  requested: number | undefined,
  fallback: number,
  unit: string,
): void {
  if (limit === null) return;
  const name = field === 'max_attempts' ? 'max_attempts' : 'max_timeout_ms';
  if (requested !== undefined) {
    if (requested > limit) throw notAllowed(name, limit, `${requested} ${unit}`);
    return;
  }
  settings[field] = Math.min(fallback, limit);
}

/** What is open now, for one token and in all. */
export interface OpenWork {
  ownerTasks: number;
  allTasks: number;
  ownerQueuedSubtasks: number;
  allQueuedSubtasks: number;
}

/**
 * Throws LIMIT_EXCEEDED when one more task of `newSubtasks` subtasks (0 while unplanned) would
 * go over a count; NOT_ALLOWED when the plan itself is over max_plan_subtasks.
 */
export function checkOpenWork(limits: OperatorLimits, open: OpenWork, newSubtasks: number): void {
  if (limits.max_plan_subtasks !== null && newSubtasks > limits.max_plan_subtasks) {
    throw notAllowed('max_plan_subtasks', limits.max_plan_subtasks, `a plan of ${newSubtasks} subtasks`);
  }
  const over = (limit: number | null, current: number, adding: number) =>
    limit !== null && current + adding > limit;
  if (over(limits.max_unfinished_tasks_per_token, open.ownerTasks, 1)) {
    throw limitReached('max_unfinished_tasks_per_token', limits.max_unfinished_tasks_per_token);
  }
  if (over(limits.max_unfinished_tasks, open.allTasks, 1)) {
    throw limitReached('max_unfinished_tasks', limits.max_unfinished_tasks);
  }
  // A task whose plan is not known yet needs room for at least one subtask.
  const adding = Math.max(1, newSubtasks);
  if (over(limits.max_queued_subtasks_per_token, open.ownerQueuedSubtasks, adding)) {
    throw limitReached('max_queued_subtasks_per_token', limits.max_queued_subtasks_per_token);
  }
  if (over(limits.max_queued_subtasks, open.allQueuedSubtasks, adding)) {
    throw limitReached('max_queued_subtasks', limits.max_queued_subtasks);
  }
}

/** Start of the UTC day of `nowMs`, ISO 8601. */
export function utcMidnight(nowMs: number): string {
  const day = new Date(nowMs);
  return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate())).toISOString();
}

/**
 * Under the daily quota: throws LIMIT_EXCEEDED once `spentToday` reached it; otherwise the
 * task's budget is at most what is left of it (so one task cannot spend past the quota).
 */
export function limitBySpend(
  limits: OperatorLimits,
  spentToday: number,
  settings: Partial<TaskSettings>,
): Partial<TaskSettings> {
  const quota = limits.daily_spend_usd_per_token;
  if (quota === null) return settings;
  const left = quota - spentToday;
  if (left <= 0) {
    throw limitReached(
      'daily_spend_usd_per_token',
      quota,
      `${spentToday.toFixed(4)} USD spent since UTC midnight`,
    );
  }
  const budget = settings.budget_usd;
  return { ...settings, budget_usd: budget === undefined || budget === null ? left : Math.min(budget, left) };
}
