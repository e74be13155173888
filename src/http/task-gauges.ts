// The task and subtask counts of /metrics, kept up to date from the task events this process
// publishes, so that a scrape reads a few numbers instead of the store. Seeded once, at start,
// from the most recent tasks in the store (unfinished ones read whole, for their subtasks);
// afterwards every event moves a count. A task seen for the first time by an event other than
// task.created (taken over from another process) is read once from the store.
// Tasks another process runs against the same store are counted from the next start.

import type { TaskEvent } from '../core/events.js';
import {
  isFinalTaskStatus,
  SUBTASK_STATUSES,
  type SubtaskStatus,
  TASK_STATUSES,
  type Task,
  type TaskStatus,
} from '../core/records.js';
import type { TaskService } from '../engine/task-service.js';

export interface TaskGaugeSource {
  service: Pick<TaskService, 'listRecentTasks' | 'getTaskProgress'>;
  /** Every stored event of every task this process runs; returns the unsubscribe function. */
  observeEvents?: ((listener: (event: TaskEvent) => void) => () => void) | undefined;
  /** How many of the most recent tasks the seed reads. */
  seedWindow: number;
}

export interface TaskCounts {
  tasks: Readonly<Record<TaskStatus, number>>;
  subtasks: Readonly<Record<SubtaskStatus, number>>;
  cost: number;
}

/** An unfinished task as far as the counts go. */
interface Tracked {
  status: TaskStatus;
  subtasks: SubtaskStatus[];
  cost: number;
}

const SUBTASK_STATUS_OF: Partial<Record<TaskEvent['type'], SubtaskStatus>> = {
  'subtask.queued': 'queued',
  'subtask.started': 'executing',
  'subtask.completed': 'completed',
  'subtask.failed': 'failed',
  'subtask.skipped': 'skipped',
  'subtask.cancelled': 'cancelled',
  'subtask.reset': 'pending',
};

function zeroCounts<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;
}

export class TaskGauges {
  private readonly tasks = zeroCounts(TASK_STATUSES);
  private readonly subtasks = zeroCounts(SUBTASK_STATUSES);
  private cost = 0;
  private readonly running = new Map<string, Tracked>();
  /** Tasks being read from the store after an unexpected event; their events meanwhile are dropped. */
  private readonly loading = new Set<string>();
  /** Events that arrived during the seed, applied once it is done. */
  private pending: TaskEvent[] | undefined = [];
  private readonly unsubscribe: (() => void) | undefined;
  /** Resolves once the seed is counted (rejects never: a failed seed counts from zero). */
  readonly ready: Promise<void>;

  constructor(private readonly source: TaskGaugeSource) {
    this.unsubscribe = source.observeEvents?.((event) => {
      if (this.pending) this.pending.push(event);
      else this.apply(event);
    });
    this.ready = this.seed().then(
      () => this.drain(),
      () => this.drain(),
    );
  }

  /** The current counts (copies). */
  counts(): TaskCounts {
    return { tasks: { ...this.tasks }, subtasks: { ...this.subtasks }, cost: this.cost };
  }

  close(): void {
    this.unsubscribe?.();
  }

  private drain(): void {
    const pending = this.pending ?? [];
    this.pending = undefined;
    for (const event of pending) this.apply(event);
  }

  private async seed(): Promise<void> {
    const { service, seedWindow } = this.source;
    for (const summary of await service.listRecentTasks(seedWindow, undefined)) {
      if (isFinalTaskStatus(summary.status)) {
        this.tasks[summary.status]++;
        this.cost += summary.total_cost;
        // Finished: only the subtask totals matter, and they never change again.
        const task = summary.subtask_count > 0 ? await service.getTaskProgress(summary.id) : undefined;
        for (const subtask of task?.subtasks ?? []) this.subtasks[subtask.status]++;
        continue;
      }
      const task = await service.getTaskProgress(summary.id);
      if (task !== undefined) this.track(task);
    }
  }

  private track(task: Task): void {
    this.tasks[task.status]++;
    this.cost += task.total_cost;
    const subtasks = task.subtasks.map((subtask) => subtask.status);
    for (const status of subtasks) this.subtasks[status]++;
    if (!isFinalTaskStatus(task.status))
      this.running.set(task.id, { status: task.status, subtasks, cost: task.total_cost });
  }

  private apply(event: TaskEvent): void {
    if (event.type === 'task.created') {
      if (!this.running.has(event.task_id)) this.track(event.task);
      return;
    }
    if (event.type === 'task.retried' && !this.running.has(event.task_id)) {
      this.retried(event);
      return;
    }
    const tracked = this.running.get(event.task_id);
    if (tracked === undefined) {
      this.load(event.task_id);
      return;
    }
    const subtaskStatus = SUBTASK_STATUS_OF[event.type];
    if (subtaskStatus !== undefined && 'index' in event) {
      this.setSubtask(tracked, event.index, subtaskStatus);
    }
    switch (event.type) {
      case 'task.planned':
        this.setSubtasks(
          tracked,
          event.subtasks.map((subtask) => subtask.status),
        );
        this.setStatus(tracked, 'planned');
        break;
      case 'task.replanning':
        this.setSubtasks(tracked, []);
        this.setStatus(tracked, 'planning');
        break;
      case 'task.started':
        this.setStatus(tracked, 'executing');
        break;
      case 'task.plan_attempted':
      case 'subtask.attempt_failed':
      case 'subtask.completed':
        this.addCost(tracked, event.cost);
        break;
      case 'task.finished':
        this.addCost(tracked, event.total_cost - tracked.cost);
        this.setStatus(tracked, event.status);
        this.running.delete(event.task_id);
        break;
      default:
        break;
    }
  }

  /**
   * A finished task runs again: its finished counts (from the event: a finished task is not
   * kept) give way to an unfinished task tracked as any other. Counts never go below zero: a
   * task finished outside the seed window was never counted.
   */
  private retried(event: Extract<TaskEvent, { type: 'task.retried' }>): void {
    this.tasks[event.previous_status] = Math.max(0, this.tasks[event.previous_status] - 1);
    for (const status of event.previous_subtasks)
      this.subtasks[status] = Math.max(0, this.subtasks[status] - 1);
    this.cost = Math.max(0, this.cost - event.total_cost);
    const subtasks = [...event.previous_subtasks];
    for (const index of event.indexes) subtasks[index] = 'pending';
    const status: TaskStatus = subtasks.length === 0 ? 'planning' : 'planned';
    this.tasks[status]++;
    for (const subtask of subtasks) this.subtasks[subtask]++;
    this.cost += event.total_cost;
    this.running.set(event.task_id, { status, subtasks, cost: event.total_cost });
  }

  private setStatus(tracked: Tracked, status: TaskStatus): void {
    this.tasks[tracked.status]--;
    this.tasks[status]++;
    tracked.status = status;
  }

  private setSubtask(tracked: Tracked, index: number, status: SubtaskStatus): void {
    const previous = tracked.subtasks[index];
    if (previous === undefined) return;
    this.subtasks[previous]--;
    this.subtasks[status]++;
    tracked.subtasks[index] = status;
  }

  private setSubtasks(tracked: Tracked, statuses: SubtaskStatus[]): void {
    for (const status of tracked.subtasks) this.subtasks[status]--;
    for (const status of statuses) this.subtasks[status]++;
    tracked.subtasks = statuses;
  }

  private addCost(tracked: Tracked, amount: number): void {
    tracked.cost += amount;
    this.cost += amount;
  }

  /** A task this process did not know (taken over from another): read it once from the store. */
  private load(taskId: string): void {
    if (this.loading.has(taskId)) return;
    this.loading.add(taskId);
    this.source.service
      .getTaskProgress(taskId)
      .then(
        (task) => {
          if (task !== undefined && !this.running.has(taskId)) this.track(task);
        },
        () => undefined,
      )
      .finally(() => this.loading.delete(taskId));
  }
}
