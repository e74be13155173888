/// <reference lib="dom" />
// The selected task's facts (cost, estimate, the cost line, progress, times, provider, owner)
// and its notes (errors, a stopped stream, plan warnings, the planner's reasoning), which
// TaskView (task-view.ts) redraws on every update.

import type { Task } from '../../core/records.js';
import { costSeries } from './cost-model.js';
import { renderCostLine } from './cost-view.js';
import { fill, h } from './dom.js';
import type { StreamState } from './event-stream.js';
import { age, between, duration, isFinalTask, money, moneyRange } from './format.js';
import { estimateOf, type TaskModel } from './task-model.js';
import { fact } from './task-parts.js';

export interface ViewState {
  streamState: StreamState;
  streamMessage: string;
  cancelling: boolean;
  actionError: string;
}

export function renderFacts(container: HTMLElement, model: TaskModel, task: Task, now: number): void {
  const final = isFinalTask(task.status);
  const completed = task.subtasks.filter((subtask) => subtask.status === 'completed').length;
  const total = estimateOf(task);
  const end = task.completed_at ? Date.parse(task.completed_at) : now;
  fill(container, [
    fact('Total cost', h('b', { id: 'task-total-cost', class: 'total-cost', text: money(task.total_cost) })),
    total
      ? fact(
          'Estimate',
          h('span', {
            id: 'task-estimate',
            text: `${moneyRange(total)} (one attempt of each call)`,
          }),
        )
      : null,
    model.events.length > 0
      ? h('span', { class: 'fact cost-fact' }, renderCostLine(costSeries(model.events), end))
      : null,
    fact('Subtasks', h('b', { text: `${completed} / ${task.subtasks.length} completed` })),
    fact(
      'Created',
      h('span', { class: 'age', dataset: { created: task.created_at }, text: age(task.created_at, now) }),
    ),
    fact(
      final ? 'Took' : 'Running for',
      h('span', { text: duration(between(task.created_at, task.completed_at, now)) }),
    ),
    fact('Provider', h('span', { text: task.settings.provider })),
    // The owner is a token id, NAME@RANDOM: the name is shown, the id is the tooltip.
    task.owner
      ? fact('Owner', h('span', { text: task.owner.replace(/@[0-9a-f]{16}$/, ''), title: task.owner }))
      : null,
  ]);
}

export function renderNotes(container: HTMLElement, task: Task, view: ViewState): void {
  fill(container, [
    task.error ? h('div', { class: 'box error', text: task.error }) : null,
    view.streamState === 'error' && view.streamMessage
      ? h('div', { class: 'box error', text: `Live updates stopped: ${view.streamMessage}` })
      : null,
    view.actionError ? h('div', { class: 'box error', text: view.actionError }) : null,
    task.warnings.length
      ? h('details', { class: 'box' }, [
          h('summary', { text: `Plan warnings (${task.warnings.length})` }),
          h(
            'ul',
            null,
            task.warnings.map((warning) => h('li', { text: warning })),
          ),
        ])
      : null,
    task.reasoning
      ? h('details', { class: 'box' }, [
          h('summary', { text: 'Planner reasoning' }),
          h('pre', { class: 'text', text: task.reasoning }),
        ])
      : null,
    task.status === 'planning'
      ? h('p', { class: 'muted', text: 'Planning\u2026 the subtasks appear when the plan is ready.' })
      : null,
  ]);
}
