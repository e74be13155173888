// What the composition root hands the task manager: the adapters, and the process-wide limits
// and periods with their defaults.

import type { Subtask, TaskSettings } from '../core/records.js';
import type { RetryPolicy } from '../core/retry-policy.js';
import type { CallExecutor } from '../ports/call-executor.js';
import type { Clock, Entropy } from '../ports/clock.js';
import type { Ledger } from '../ports/ledger.js';
import type { ModelProvider } from '../ports/model-provider.js';
import type { TaskStore } from '../ports/task-store.js';

export interface TaskManagerOptions {
  store: TaskStore;
  ledger: Ledger;
  /** Returns the provider of that name; throws a CONFIG SymbiontError for an unknown one. */
  providers: (name: string) => ModelProvider;
  /** Time source (the system clock in production, a fake in tests). */
  clock: Clock;
  /** Randomness and ids. */
  entropy: Entropy;
  /** Defaults for every task's settings (DEFAULT_TASK_SETTINGS otherwise). */
  defaults?: Partial<TaskSettings>;
  /** Subtasks running at once across all tasks of the process. Default 16. */
  globalConcurrency?: number;
  /** Backoff settings (attempt count comes from each task's settings). */
  retry?: Partial<RetryPolicy>;
  /** Output-token ceiling per call; under a budget a call may be given less. Default 4096. */
  maxOutputTokens?: number;
  /** The most subtasks a model-made plan may have. Default 100 (core/plan-size.ts). */
  maxPlannedSubtasks?: number;
  /** Who holds execution leases. Default: host:pid:uuid. */
  leaseHolder?: string;
  /** Lease lifetime; renewed every third of it. Default 30,000 ms. */
  leaseTtlMs?: number;
  /**
   * Whether a lease holder is known to be dead (e.g. a process of this host that no longer
   * exists); its unexpired lease is then taken over at once. Default: never (wait for expiry).
   */
  isLeaseHolderGone?: (holder: string) => boolean;
  /** How often a reader of a task running in another process polls the store. Default 250 ms. */
  pollIntervalMs?: number;
  /** How often an executing task looks for a cancel request from another process. Default 500 ms. */
  cancelPollMs?: number;
  /** How long `cancelTask` waits for another process to stop the task. Default 30,000 ms. */
  cancelWaitMs?: number;
  /** Relative duration estimate for critical-path priority (default: by tier). */
  estimateDuration?: (subtask: Subtask) => number;
  /** Where a provider's calls run. Default: in this process (createInProcessExecutor). */
  executorFor?: (provider: ModelProvider, clock: Clock) => CallExecutor;
}
