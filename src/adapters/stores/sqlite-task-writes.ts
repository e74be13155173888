// The SQLite store's two writes, each one transaction the caller runs under BEGIN IMMEDIATE:
// a new task with its subtask rows and first event, and a batch of events applied to the
// record this process caches IN PLACE, writing only the header and the subtask rows the batch
// touched. The cache holds only unfinished tasks this process writes; a record another process
// wrote since (its last seq or task key differs) is read again first.

import type Database from 'better-sqlite3';
import { SymbiontError } from '../../core/errors.js';
import type { TaskEvent, UnsequencedEvent } from '../../core/events.js';
import { isFinalTaskStatus, type Task } from '../../core/records.js';
import { applyTaskEvent, cloneTask } from '../../core/task-reducer.js';
import {
  countCompleted,
  eventBody,
  notFound,
  type TaskRow,
  taskFromRows,
  taskInsertValues,
} from './sqlite-rows.js';
import type { StoreStatements } from './sqlite-statements.js';
import { checkEventBatch, replacesSubtasks } from './store-checks.js';

/** The record of a task this process appends to, as of `lastSeq`. */
interface CachedTask {
  taskKey: number;
  task: Task;
  lastSeq: number;
  completedCount: number;
}

export interface SqliteTaskWrites {
  /** Reads header and subtasks in one snapshot, even while another process writes. */
  readTask(taskId: string): Task | undefined;
  /** Stores a new task (CONFLICT when its id is taken). Run it under the store's write guard. */
  create(created: UnsequencedEvent & { type: 'task.created' }): void;
  /** Appends a non-empty batch; returns the stored events. Run it under the store's write guard. */
  append(taskId: string, events: readonly UnsequencedEvent[]): TaskEvent[];
  /** Forgets every cached record (at close). */
  clear(): void;
}

export function sqliteTaskWrites(
  database: Database.Database,
  statements: StoreStatements,
  cacheSize: number,
): SqliteTaskWrites {
  /** Least recently written last; holds only unfinished tasks this process writes. */
  const cache = new Map<string, CachedTask>();

  function remember(taskId: string, entry: CachedTask): void {
    cache.delete(taskId);
    if (isFinalTaskStatus(entry.task.status)) return;
    cache.set(taskId, entry);
    if (cache.size > cacheSize) cache.delete(cache.keys().next().value!);
  }

  function loadTask(taskId: string): { task: Task; row: TaskRow } | undefined {
    const row = statements.header.get(taskId);
    if (row === undefined) return undefined;
    return { task: taskFromRows(row, statements.subtaskBodies.all(row.task_key)), row };
  }

  const readTask = database.transaction((taskId: string) => loadTask(taskId)?.task);

  const create = database.transaction((created: UnsequencedEvent & { type: 'task.created' }) => {
    const task = created.task;
    if (statements.head.get(task.id) !== undefined) {
      throw new SymbiontError('CONFLICT', `task ${task.id} already exists`, { context: { taskId: task.id } });
    }
    const completedCount = countCompleted(task.subtasks);
    const taskKey = Number(
      statements.insertTask.run(...taskInsertValues(task, 1, completedCount)).lastInsertRowid,
    );
    for (const subtask of task.subtasks) {
      statements.insertSubtask.run(taskKey, subtask.index, JSON.stringify(subtask));
    }
    statements.insertEvent.run(taskKey, 1, created.type, eventBody(created), created.at);
    return { taskKey, task: cloneTask(task), lastSeq: 1, completedCount };
  });

  /** The cached record of `taskId` if it is current, else the stored one. */
  function currentEntry(taskId: string): CachedTask {
    const head = statements.head.get(taskId);
    if (head === undefined) throw notFound(taskId);
    const entry = cache.get(taskId);
    if (entry !== undefined && entry.lastSeq === head.last_seq && entry.taskKey === head.task_key)
      return entry;
    // First write here, or another process wrote since: start from what is stored.
    const loaded = loadTask(taskId)!;
    return {
      taskKey: loaded.row.task_key,
      task: loaded.task,
      lastSeq: loaded.row.last_seq,
      completedCount: loaded.row.completed_count,
    };
  }

  /**
   * Applies the batch to the cached record IN PLACE and writes what changed. If anything throws,
   * the transaction rolls back and the caller drops the cache entry, so it never holds a change
   * that was not stored.
   */
  const append = database.transaction((taskId: string, events: readonly UnsequencedEvent[]) => {
    const entry = currentEntry(taskId);
    const taskKey = entry.taskKey;
    const task = entry.task;
    checkEventBatch(task, taskId, events);
    const replaced = replacesSubtasks(events);
    // Completed-before of each subtask the batch touches, for an incremental completed_count.
    const touched = new Map<number, boolean>();
    let headerChanged = replaced;
    if (!replaced) {
      for (const event of events) {
        if (event.type === 'subtask.output') continue; // changes no record
        if ('index' in event) {
          if (!touched.has(event.index))
            touched.set(event.index, task.subtasks[event.index]!.status === 'completed');
        } else headerChanged = true;
      }
    }
    const stored: TaskEvent[] = [];
    let seq = entry.lastSeq;
    for (const event of events) {
      seq += 1;
      applyTaskEvent(task, event);
      statements.insertEvent.run(taskKey, seq, event.type, eventBody(event), event.at);
      stored.push({ ...event, seq } as TaskEvent);
    }
    if (replaced) {
      statements.deleteSubtasks.run(taskKey);
      for (const subtask of task.subtasks) {
        statements.insertSubtask.run(taskKey, subtask.index, JSON.stringify(subtask));
      }
      entry.completedCount = countCompleted(task.subtasks);
    } else {
      for (const [index, wasCompleted] of touched) {
        const subtask = task.subtasks[index]!;
        statements.updateSubtask.run(JSON.stringify(subtask), taskKey, index);
        entry.completedCount += Number(subtask.status === 'completed') - Number(wasCompleted);
      }
    }
    if (headerChanged) {
      statements.updateHeader.run(
        task.status,
        task.reasoning,
        task.error,
        task.planned_at,
        task.completed_at,
        task.total_cost,
        JSON.stringify(task.warnings),
        seq,
        task.subtasks.length,
        entry.completedCount,
        task.answer,
        task.estimate === null ? null : JSON.stringify(task.estimate),
        taskKey,
      );
    } else {
      statements.updateCounters.run(task.total_cost, seq, entry.completedCount, taskKey);
    }
    entry.lastSeq = seq;
    return { stored, entry };
  });

  return {
    readTask: (taskId) => readTask(taskId),

    create(created) {
      remember(created.task.id, create.immediate(created));
    },

    append(taskId, events) {
      // A failed transaction may have changed the cached record in place: drop it before a retry.
      let result: { stored: TaskEvent[]; entry: CachedTask };
      try {
        result = append.immediate(taskId, events);
      } catch (error) {
        cache.delete(taskId);
        throw error;
      }
      remember(taskId, result.entry);
      return result.stored;
    },

    clear: () => cache.clear(),
  };
}
