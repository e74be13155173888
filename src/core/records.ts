// The wire and storage shapes of SPEC §4: a compound task, its subtasks, and the
// recent-task summary. Field names are the original's (snake_case) so its clients keep working.

export type Tier = 1 | 2 | 3;

export const TASK_STATUSES = [
  'planning',
  'awaiting_approval',
  'planned',
  'executing',
  'completed',
  'partial',
  'failed',
  'cancelled',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const SUBTASK_STATUSES = [
  'pending',
  'routing',
  'queued',
  'executing',
  'completed',
  'failed',
  'skipped',
  'cancelled',
] as const;
export type SubtaskStatus = (typeof SUBTASK_STATUSES)[number];

export const FINAL_TASK_STATUSES: ReadonlySet<TaskStatus> = new Set([
  'completed',
  'partial',
  'failed',
  'cancelled',
]);
export const FINAL_SUBTASK_STATUSES: ReadonlySet<SubtaskStatus> = new Set([
  'completed',
  'failed',
  'skipped',
  'cancelled',
]);

export function isFinalTaskStatus(status: TaskStatus): boolean {
  return FINAL_TASK_STATUSES.has(status);
}
/**
 * Whether `resume` (and server start) should run a task in this status: unfinished and not
 * waiting for its owner's approval (SPEC §11: only an approval starts such a task).
 */
export function isResumableTaskStatus(status: TaskStatus): boolean {
  return status !== 'awaiting_approval' && !FINAL_TASK_STATUSES.has(status);
}

/** A cost range in USD (SPEC §11): what a call or a plan should cost at least and at most. */
export interface CostEstimate {
  low_usd: number;
  high_usd: number;
}

export function isFinalSubtaskStatus(status: SubtaskStatus): boolean {
  return FINAL_SUBTASK_STATUSES.has(status);
}

export interface Subtask {
  id: string;
  index: number;
  description: string;
  tier_hint: Tier;
  tier_assigned: Tier | null;
  model: string | null;
  /** Frozen and shared between copies of the record: dependencies never change once planned. */
  depends_on: readonly number[];
  status: SubtaskStatus;
  result: string | null;
  error: string | null;
  cost: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  attempts: number;
  started_at: string | null;
  completed_at: string | null;
  /** new: the review estimate of one attempt (core/plan-estimate.ts), frozen; null when not estimated. */
  estimate: Readonly<CostEstimate> | null;
}

/** Settings a task was submitted with; stored with it so that `resume` runs it the same way. */
export interface TaskSettings {
  /** Provider name, e.g. `simulated`. */
  provider: string;
  /** Per-task concurrency cap. */
  concurrency: number;
  /** Per-attempt timeout in milliseconds. */
  timeout_ms: number;
  /** Attempts in all per subtask, per tier (1 = no retry). */
  max_attempts: number;
  /** Characters of each dependency's result passed into a dependent's prompt. */
  context_chars: number;
  /** Characters of a result kept whole; longer results are cut and say so. */
  result_cap: number;
  /** USD budget for the whole task (planning included), or null for none. */
  budget_usd: number | null;
  /** Whether a subtask that failed every attempt at tier t < 3 gets one try at t + 1. */
  escalate: boolean;
  /** Tier to model-name overrides for the provider, e.g. `{ "1": "haiku" }`. */
  models: Partial<Record<'1' | '2' | '3', string>>;
  /**
   * Whether a plan with several sinks gets one synthesis call that writes the answer (SPEC §10).
   * Default true. Records stored before this field existed read as true.
   */
  synthesis?: boolean;
  /** The tier of the synthesis call. Default 2. */
  synthesis_tier?: Tier;
}

export interface Task {
  id: string;
  prompt: string;
  status: TaskStatus;
  reasoning: string | null;
  error: string | null;
  subtasks: Subtask[];
  created_at: string;
  planned_at: string | null;
  completed_at: string | null;
  total_cost: number;
  owner: string | null;
  /** new: repairs the validator made to the plan (dropped dependencies, clamped tiers). */
  warnings: string[];
  /** new: how the task was submitted; used to resume it identically. */
  settings: TaskSettings;
  /** new: the task's answer to its prompt (SPEC §10); null until it is written, or when none. */
  answer: string | null;
  /** new: the plan's cost estimate (SPEC §11), frozen; null unless the task was submitted for review. */
  estimate: Readonly<CostEstimate> | null;
}

export interface TaskSummary {
  id: string;
  prompt: string;
  status: TaskStatus;
  subtask_count: number;
  completed_count: number;
  total_cost: number;
  created_at: string;
  completed_at: string | null;
}

export function summarizeTask(task: Task): TaskSummary {
  let completed = 0;
  for (const subtask of task.subtasks) if (subtask.status === 'completed') completed++;
  return {
    id: task.id,
    prompt: task.prompt.slice(0, 100),
    status: task.status,
    subtask_count: task.subtasks.length,
    completed_count: completed,
    total_cost: task.total_cost,
    created_at: task.created_at,
    completed_at: task.completed_at,
  };
}

/** A task record as first stored: planning, no subtasks, nothing spent. */
export function newTaskRecord(fields: {
  id: string;
  prompt: string;
  createdAt: string;
  settings: TaskSettings;
  owner: string | null;
}): Task {
  return {
    id: fields.id,
    prompt: fields.prompt,
    status: 'planning',
    reasoning: null,
    error: null,
    subtasks: [],
    created_at: fields.createdAt,
    planned_at: null,
    completed_at: null,
    total_cost: 0,
    owner: fields.owner,
    warnings: [],
    settings: fields.settings,
    answer: null,
    estimate: null,
  };
}

/**
 * `list` itself when frozen, else a frozen copy. A subtask's dependencies are fixed by its
 * plan, so every copy of a record (the runner's, the store's, a stored event's, a reader's)
 * can share one frozen array instead of copying it; a 10,000-subtask task made four copies.
 */
export function frozenDependencies(list: readonly number[]): readonly number[] {
  return Object.isFrozen(list) ? list : Object.freeze([...list]);
}

/** A subtask record as planned: pending, no attempt, nothing spent. */
export function newSubtaskRecord(
  fields: Pick<
    Subtask,
    'id' | 'index' | 'description' | 'tier_hint' | 'tier_assigned' | 'model' | 'depends_on'
  >,
): Subtask {
  // Spelled out rather than spread: a literal gives every record the same compact shape, which
  // the reducer and the stores' copies read thousands of times per task.
  return {
    id: fields.id,
    index: fields.index,
    description: fields.description,
    tier_hint: fields.tier_hint,
    tier_assigned: fields.tier_assigned,
    model: fields.model,
    depends_on: frozenDependencies(fields.depends_on),
    status: 'pending',
    result: null,
    error: null,
    cost: null,
    input_tokens: null,
    output_tokens: null,
    attempts: 0,
    started_at: null,
    completed_at: null,
    estimate: null,
  };
}
