// The library's public face (SPEC §7): what the CLI and the HTTP server call. The task
// manager implements it over the core, a store, a ledger and providers.

import type { TaskEvent } from '../core/events.js';
import type { PlanInput } from '../core/plan-schema.js';
import type { Task, TaskSettings, TaskStatus, TaskSummary } from '../core/records.js';

export interface SubmitInput {
  /** The prompt to plan. Optional when `plan` is given (then the plan's prompt, if any, is used). */
  prompt?: string;
  /** A ready plan: skips the planner and keeps index, depends_on and tier_hint as given. */
  plan?: PlanInput;
  /** Who submitted it (token name); null for local use. */
  owner?: string | null;
  /** Overrides of the manager's default settings. */
  settings?: Partial<TaskSettings>;
  /**
   * `planned` (default): resolve once the plan is stored (or planning failed).
   * `created`: resolve at once, with status `planning`.
   */
  waitFor?: 'planned' | 'created';
  /** Submit for review (SPEC §11): plan, route and estimate, then wait for `approveTask`. */
  review?: boolean;
}

export interface ApproveInput {
  /** An edited plan to run instead of the reviewed one (validated as a submitted plan is). */
  plan?: PlanInput;
}

export interface SubmitReceipt {
  id: string;
  status: TaskStatus;
  subtask_count: number;
}

export interface RetryReceipt {
  id: string;
  /** `planned` (or `planning` for a task whose planning had failed): the run has started. */
  status: TaskStatus;
  /** The subtasks that run again. */
  retried: number[];
  /** Seq of the stored `task.retried`; the new run's events follow it. */
  seq: number;
}

export interface EventStreamOptions {
  /** Only events with seq greater than this (Last-Event-ID). Default 0. */
  afterSeq?: number;
  signal?: AbortSignal;
  /** Awaited (when it returns a promise) before each page of stored events is read: a reader's pacing. */
  beforePage?: () => Promise<void> | undefined;
  /**
   * End the stream when this process stops running the task, even without `task.finished`
   * (a store or ledger failure kept it from being stored): for the process that runs the task,
   * which learns how the run ended from `waitForTask`. Default: go on reading the store.
   */
  endWithLocalRun?: boolean;
}

export interface TaskService {
  submitTask(input: SubmitInput): Promise<SubmitReceipt>;
  getTaskProgress(taskId: string): Promise<Task | undefined>;
  /**
   * The task's owner, without reading its record (one stored event): `undefined` for an
   * unknown task, null for a local one.
   */
  getTaskOwner(taskId: string): Promise<string | null | undefined>;
  listRecentTasks(limit?: number, owner?: string | null): Promise<TaskSummary[]>;
  /**
   * Starts a task waiting in `awaiting_approval` (this process takes its lease and runs it);
   * CONFLICT when it is not awaiting approval, NOT_FOUND for an unknown id, INVALID_PLAN and the
   * other plan errors for a bad edited plan.
   */
  approveTask(taskId: string, input?: ApproveInput): Promise<SubmitReceipt>;
  /** Cancels a running task; returns the record, or undefined for an unknown id. */
  cancelTask(taskId: string): Promise<Task | undefined>;
  /**
   * The task's stored events after `afterSeq`, then live ones as they are stored; ends after
   * `task.finished` (or when the signal aborts). Every event exactly once, in seq order.
   */
  events(taskId: string, options?: EventStreamOptions): AsyncIterable<TaskEvent>;
  /**
   * Runs a finished task again (SPEC §12): its failed, skipped and cancelled subtasks, or the
   * named ones with their dependents; completed results are kept. NOT_FOUND for an unknown
   * task, CONFLICT when it has not finished (or has nothing to retry), INVALID_ARGUMENT for a
   * subtask it does not have.
   */
  retryTask(taskId: string, subtasks?: readonly number[]): Promise<RetryReceipt>;
  /** Resolves with the final record once the task finishes. */
  waitForTask(taskId: string, signal?: AbortSignal): Promise<Task>;
  /** Resumes every interrupted task in the store this process can lease; returns their ids. */
  resumeInterrupted(): Promise<string[]>;
  /** Stops accepting work; running tasks are left resumable. */
  close(): Promise<void>;
}
