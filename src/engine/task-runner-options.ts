// What a TaskRunner is given (runner-start.ts builds it for the TaskManager): the task, the
// ports its run uses, the process slot pool, and how this run begins (a given plan, a resume,
// a review, the attempts earlier runs ledgered).

import type { ValidatedPlan } from '../core/plan-validation.js';
import type { Subtask, Task } from '../core/records.js';
import type { RetryPolicy } from '../core/retry-policy.js';
import type { CallExecutor } from '../ports/call-executor.js';
import type { Clock, Entropy } from '../ports/clock.js';
import type { Ledger } from '../ports/ledger.js';
import type { ModelProvider } from '../ports/model-provider.js';
import type { TaskStore } from '../ports/task-store.js';
import type { EventBus } from './event-bus.js';
import type { SlotPool } from './slot-pool.js';

export interface TaskRunnerOptions {
  task: Task;
  store: TaskStore;
  bus: EventBus;
  provider: ModelProvider;
  /** Where the task's model calls run. */
  executor: CallExecutor;
  ledger: Ledger;
  clock: Clock;
  entropy: Entropy;
  pool: SlotPool;
  retry: RetryPolicy;
  /** A ready plan (skips the planner). */
  plan?: ValidatedPlan;
  /** True when continuing an interrupted task. */
  resumed: boolean;
  /** Submitted for review: once planned, the task waits in `awaiting_approval` (SPEC §11). */
  review?: boolean;
  /**
   * For a resumed planning: planning attempt numbers the interrupted runs may have ledgered
   * (the next call is this plus one). Default 0.
   */
  planAttemptsBefore?: number;
  /** For a retry: synthesis attempts earlier runs ledgered (the next is this plus one). Default 0. */
  synthesisAttemptsBefore?: number;
  maxOutputTokens: number;
  /** The most subtasks a model-made plan may have. Default DEFAULT_MAX_PLANNED_SUBTASKS. */
  maxPlannedSubtasks?: number;
  /** Relative duration estimate for critical-path ranking; default by tier. */
  estimateDuration?: (subtask: Subtask) => number;
}
