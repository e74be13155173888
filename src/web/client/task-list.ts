/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The recent-task list, kept live by GET /tasks/stream: a snapshot, then one summary per change
// (a new task goes on top). Ages keep ticking from a timer; nothing polls the server.

import type { TaskSummary } from '../../core/records.js';
import { fill, h, statusBadge } from './dom.js';
import { age, money, preview } from './format.js';

/** The list's content: summaries by id, newest first, at most `limit`. */
export class TaskListModel {
  private readonly byId = new Map<string, TaskSummary>();

  constructor(private readonly limit: number) {}

  replace(summaries: readonly TaskSummary[]): void {
    this.byId.clear();
    for (const summary of summaries) this.byId.set(summary.id, summary);
  }

  upsert(summary: TaskSummary): void {
    this.byId.set(summary.id, summary);
  }

  get(id: string): TaskSummary | undefined {
    return this.byId.get(id);
  }

  /** Newest first (created_at, then id), cut to the limit. */
  list(): TaskSummary[] {
    const all = [...this.byId.values()].sort((a, b) =>
      a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : a.id < b.id ? 1 : -1,
    );
    for (const dropped of all.slice(this.limit)) this.byId.delete(dropped.id);
    return all.slice(0, this.limit);
  }
}

export function renderTaskList(
  container: HTMLElement,
  tasks: readonly TaskSummary[],
  selectedId: string | null,
  now: number,
  onSelect: (id: string) => void,
): void {
  if (!tasks.length) {
    fill(container, h('p', { class: 'empty', text: 'No tasks yet. Submit a prompt above.' }));
    return;
  }
  const items = tasks.map((task) => {
    const share = task.subtask_count ? task.completed_count / task.subtask_count : 0;
    const filled = h('span');
    filled.style.width = `${Math.round(share * 100)}%`;
    return h(
      'li',
      {
        class: `task-item${task.id === selectedId ? ' selected' : ''}`,
        dataset: { taskId: task.id },
        title: task.prompt,
        tabindex: '0',
        role: 'link',
        onclick: () => onSelect(task.id),
        onkeydown: (event: Event) => {
          if ((event as KeyboardEvent).key === 'Enter') onSelect(task.id);
        },
      },
      [
        h('div', { class: 'task-prompt', text: preview(task.prompt, 100) }),
        h('div', { class: 'task-meta' }, [
          statusBadge(task.status),
          h('span', { class: 'done' }, [
            h('span', { class: 'progress' }, filled),
            `${task.completed_count}/${task.subtask_count}`,
          ]),
          h('span', { class: 'cost', text: money(task.total_cost) }),
          h('span', { class: 'age', dataset: { created: task.created_at }, text: age(task.created_at, now) }),
        ]),
      ],
    );
  });
  fill(container, h('ul', { class: 'tasks' }, items));
}

/** Once a second: every "… ago" in the list, without redrawing it. */
export function tickAges(container: HTMLElement, now: number): void {
  for (const cell of container.querySelectorAll<HTMLElement>('.age[data-created]')) {
    cell.textContent = age(cell.dataset.created ?? '', now);
  }
}
