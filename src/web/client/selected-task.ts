/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The task selected in the list (#task=ID): its record, then its whole event stream (replayed
// from the start, then live), folded by the task model; the view is redrawn at most every 50 ms.

import type { Task } from '../../core/records.js';
import { api, messageOf } from './api.js';
import { type FollowedStream, followStream } from './event-stream.js';
import { isFinalTask } from './format.js';
import { TASK_EVENT_NAMES, TaskModel, type WireEvent } from './task-model.js';
import type { TaskView, ViewState } from './task-view.js';

function finalCount(task: Task): number {
  return task.subtasks.filter((subtask) =>
    ['completed', 'failed', 'skipped', 'cancelled'].includes(subtask.status),
  ).length;
}

function freshView(): ViewState {
  return { streamState: 'idle', streamMessage: '', cancelling: false, actionError: '' };
}

export class SelectedTask {
  id: string | null = null;
  private record: Task | null = null;
  private model = new TaskModel();
  private caughtUp = false;
  private stream: FollowedStream | null = null;
  private view: ViewState = freshView();
  private renderTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly taskView: TaskView,
    private readonly hooks: { onFinished(): void; onProgress(): void },
  ) {}

  /** The record to draw: the stream's once it has replayed at least as far as the fetched one. */
  shown(): Task | null {
    const streamed = this.model.task;
    const record = this.record;
    if (
      !this.caughtUp &&
      streamed &&
      (!record ||
        isFinalTask(streamed.status) ||
        (finalCount(streamed) >= finalCount(record) && streamed.subtasks.length >= record.subtasks.length))
    ) {
      this.caughtUp = true;
    }
    return this.caughtUp ? streamed : record;
  }

  scheduleRender(): void {
    if (this.renderTimer === null) {
      this.renderTimer = setTimeout(() => {
        this.renderTimer = null;
        this.render();
      }, 50);
    }
  }

  render(): void {
    const task = this.id ? this.shown() : null;
    if (!this.id) this.taskView.showEmpty('Select a task in the list, or submit a new one.');
    else if (!task) this.taskView.showEmpty(this.view.actionError || 'Loading\u2026');
    else this.taskView.render(this.model, task, this.view, Date.now());
  }

  /** Once a second: running clocks. */
  tick(now: number): void {
    this.taskView.tick(now);
  }

  /** Whether the shown task still runs (its clocks tick). */
  running(): boolean {
    const task = this.id ? this.shown() : null;
    return task !== null && !isFinalTask(task.status);
  }

  async select(id: string | null): Promise<void> {
    this.stream?.close();
    this.id = id;
    this.record = null;
    this.model = new TaskModel();
    this.caughtUp = false;
    this.stream = null;
    this.view = freshView();
    this.render();
    if (!id) return;
    try {
      const record = (await api<Task>(`tasks/${encodeURIComponent(id)}`)).body;
      if (this.id !== id) return;
      this.record = record;
      this.follow(id, isFinalTask(record.status));
    } catch (error) {
      if (this.id === id) this.view.actionError = messageOf(error);
    }
    this.render();
  }

  private follow(id: string, finishedBefore: boolean): void {
    const model = this.model;
    const stream = followStream({
      url: `tasks/${encodeURIComponent(id)}/events`,
      eventNames: TASK_EVENT_NAMES,
      probeUrl: `tasks/${encodeURIComponent(id)}`,
      resumeId: () => model.lastSeq,
      onFrame: (_name, data) => {
        const event = data as WireEvent;
        if (this.stream !== stream || !model.apply(event)) return event.type === 'task.finished';
        this.scheduleRender();
        if (event.type === 'subtask.completed' || event.type === 'subtask.attempt_failed')
          this.hooks.onProgress();
        if (event.type === 'task.finished' && !finishedBefore) void this.finished(id);
        return event.type === 'task.finished';
      },
      onState: (state, message) => {
        if (this.stream !== stream) return;
        this.view.streamState = state;
        this.view.streamMessage = message ?? '';
        this.scheduleRender();
      },
    });
    this.stream = stream;
  }

  /** The stored record, which may carry fields the events do not (the answer). */
  private async finished(id: string): Promise<void> {
    this.hooks.onFinished();
    try {
      const record = (await api<Task>(`tasks/${encodeURIComponent(id)}`)).body;
      if (this.id === id) {
        this.record = record;
        this.model.adopt(record);
        this.caughtUp = true;
        this.scheduleRender();
      }
    } catch {
      // the streamed record stands
    }
  }

  async cancel(id: string): Promise<void> {
    this.view.cancelling = true;
    this.view.actionError = '';
    this.render();
    try {
      const record = (await api<Task>(`tasks/${encodeURIComponent(id)}/cancel`, { method: 'POST' })).body;
      if (this.id === id && !this.caughtUp) this.record = record;
    } catch (error) {
      this.view.actionError = `Cancel failed: ${messageOf(error)}`;
    }
    this.view.cancelling = false;
    this.render();
  }
}
