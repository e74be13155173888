// The library entry point (SPEC §7). `openApp` builds a task service over the durable store,
// the ledger and the configured provider; the service has submitTask, getTaskProgress,
// listRecentTasks, cancelTask and events (an async iterator per task).

export { type App, type AppConfig, openApp, SIMULATED_NOTICE } from './app/compose.js';
export { type ErrorCode, SymbiontError } from './core/errors.js';
export type { TaskEvent, TaskEventBody } from './core/events.js';
export type { PlanInput } from './core/plan-schema.js';
export type {
  Subtask,
  SubtaskStatus,
  Task,
  TaskSettings,
  TaskStatus,
  TaskSummary,
  Tier,
} from './core/records.js';
export { createTaskManager, TaskManager, type TaskManagerOptions } from './engine/task-manager.js';
export type { SubmitInput, SubmitReceipt, TaskService } from './engine/task-service.js';
export type { Ledger, LedgerEntry } from './ports/ledger.js';
export type { CompletionRequest, CompletionResult, ModelProvider } from './ports/model-provider.js';
export type { TaskStore } from './ports/task-store.js';
