/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The selected task: its answer on top (or, until the record has one, the results of the
// steps nothing depends on), facts with the cost line, the DAG graph, the timeline, and the
// steps (kept row by row, so open results stay open while events arrive), each with its
// running text while it executes and its estimate beside its actual cost.

import type { Subtask, Task } from '../../core/records.js';
import { costSeries } from './cost-model.js';
import { renderCostLine } from './cost-view.js';
import { fill, h, statusBadge } from './dom.js';
import type { StreamState } from './event-stream.js';
import { age, between, duration, isFinalTask, money } from './format.js';
import { criticalPathOf, durationsOf } from './graph-layout.js';
import { renderGraph } from './graph-view.js';
import { renderStep } from './step-view.js';
import { estimateOf, type TaskModel } from './task-model.js';
import { fact, legend, renderAnswer } from './task-parts.js';
import { buildTimeline } from './timeline-model.js';
import { renderTimeline } from './timeline-view.js';

/** Plans larger than this are not drawn: a picture of thousands of boxes helps nobody, and costs. */
const MAX_DRAWN_STEPS = 400;

export interface ViewState {
  streamState: StreamState;
  streamMessage: string;
  cancelling: boolean;
  actionError: string;
}

const STREAM_LABELS: Record<StreamState, string> = {
  idle: '',
  live: '\u25cf live',
  reconnecting: 'reconnecting\u2026',
  ended: 'finished',
  error: 'stream error',
};

interface Parts {
  status: HTMLElement;
  stream: HTMLElement;
  cancel: HTMLButtonElement;
  prompt: HTMLElement;
  answer: HTMLElement;
  facts: HTMLElement;
  notes: HTMLElement;
  graph: HTMLElement;
  timeline: HTMLElement;
  list: HTMLOListElement;
}

interface Row {
  signature: string | null;
  element: HTMLElement | null;
}

export class TaskView {
  private taskId: string | null = null;
  private rows: Row[] = [];
  private readonly openResults = new Set<number>();
  private selectedStep: number | null = null;
  private parts: Parts | null = null;

  constructor(
    private readonly root: HTMLElement,
    private readonly actions: { cancel(taskId: string): void },
  ) {}

  showEmpty(message: string): void {
    this.taskId = null;
    this.rows = [];
    this.parts = null;
    fill(this.root, [h('h2', { text: 'Task' }), h('p', { class: 'empty', text: message })]);
  }

  render(model: TaskModel, task: Task, view: ViewState, now: number): void {
    if (task.id !== this.taskId || this.parts === null) this.build(task.id);
    const parts = this.parts!;
    const final = isFinalTask(task.status);
    const completed = task.subtasks.filter((subtask) => subtask.status === 'completed').length;
    fill(parts.status, statusBadge(task.status));
    parts.stream.textContent = STREAM_LABELS[view.streamState] ?? '';
    parts.stream.className = `small ${view.streamState === 'error' ? 'error-text' : 'muted'}`;
    parts.stream.title = view.streamMessage;
    parts.cancel.hidden = final;
    parts.cancel.disabled = view.cancelling;
    parts.prompt.textContent = task.prompt;
    renderAnswer(parts.answer, task);
    const end = task.completed_at ? Date.parse(task.completed_at) : now;
    fill(parts.facts, [
      fact(
        'Total cost',
        h('b', { id: 'task-total-cost', class: 'total-cost', text: money(task.total_cost) }),
      ),
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
    fill(parts.notes, [
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
    this.renderPictures(model, task, now);
    this.renderSteps(model, task.subtasks, now);
  }

  private renderPictures(model: TaskModel, task: Task, now: number): void {
    const parts = this.parts!;
    if (task.subtasks.length === 0) {
      parts.graph.replaceChildren();
      parts.timeline.replaceChildren();
      return;
    }
    if (task.subtasks.length > MAX_DRAWN_STEPS) {
      const note = `${task.subtasks.length} steps are too many to draw here; the list below has them all.`;
      fill(parts.graph, h('p', { class: 'empty', text: note }));
      parts.timeline.replaceChildren();
      return;
    }
    const select = (index: number) => this.focusStep(index);
    const graphScroll = parts.graph.scrollLeft;
    fill(parts.graph, renderGraph(task, now, this.selectedStep, select));
    parts.graph.scrollLeft = graphScroll;
    const dependsOn = task.subtasks.map((subtask) => subtask.depends_on);
    const criticalPath = criticalPathOf(dependsOn, durationsOf(task.subtasks, now));
    const width = Math.max(parts.timeline.clientWidth - 2, 480);
    fill(
      parts.timeline,
      renderTimeline(
        task,
        buildTimeline(model.events, Date.parse(task.created_at) || now),
        criticalPath,
        now,
        width,
      ),
    );
  }

  /** Opens a step's details and brings it into view (a click on the graph). */
  focusStep(index: number): void {
    this.selectedStep = index;
    this.openResults.add(index);
    const parts = this.parts;
    if (!parts) return;
    for (const node of parts.graph.querySelectorAll('g.node')) {
      node.classList.toggle('selected', (node as SVGGElement).dataset.index === String(index));
    }
    for (const row of parts.list.querySelectorAll('li.subtask')) {
      const element = row as HTMLElement;
      const match = element.dataset.index === String(index);
      element.classList.toggle('focused', match);
      if (!match) continue;
      const details = element.querySelector('details.result') as HTMLDetailsElement | null;
      if (details) details.open = true;
      element.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    }
  }

  private build(taskId: string): void {
    this.taskId = taskId;
    this.rows = [];
    this.openResults.clear();
    this.selectedStep = null;
    const cancel = h('button', {
      class: 'danger',
      type: 'button',
      id: 'cancel-button',
      text: 'Cancel task',
      onclick: () => this.actions.cancel(taskId),
    });
    const parts: Parts = {
      status: h('span'),
      stream: h('span', { id: 'stream-state' }),
      cancel,
      prompt: h('div', { class: 'prompt-text' }),
      answer: h('div', { id: 'task-answer' }),
      facts: h('div', { class: 'facts' }),
      notes: h('div'),
      graph: h('div', { class: 'picture graph-box', id: 'graph-box' }),
      timeline: h('div', { class: 'picture timeline-box', id: 'timeline-box' }),
      list: h('ol', { class: 'subtasks', id: 'subtask-list' }),
    };
    this.parts = parts;
    fill(this.root, [
      h('h2', null, ['Task', parts.status, h('span', { class: 'spacer' }), parts.stream, cancel]),
      h('div', { class: 'mono muted', id: 'task-id', text: taskId }),
      parts.prompt,
      parts.answer,
      parts.facts,
      parts.notes,
      h('h3', { class: 'picture-title' }, [
        'Plan ',
        h('span', {
          class: 'small muted',
          text: 'thick arrows: the critical path \u00b7 click a step for its details',
        }),
      ]),
      parts.graph,
      h('h3', { class: 'picture-title' }, ['Timeline ', legend()]),
      parts.timeline,
      h('h3', { class: 'picture-title', text: 'Steps' }),
      parts.list,
    ]);
  }

  private renderSteps(model: TaskModel, subtasks: readonly Subtask[], now: number): void {
    const list = this.parts!.list;
    if (this.rows.length !== subtasks.length) {
      this.rows = subtasks.map(() => ({ signature: null, element: null }));
      list.replaceChildren();
    }
    subtasks.forEach((subtask, position) => {
      const live = subtask.status === 'executing' ? (model.liveText.get(subtask.index) ?? null) : null;
      const signature = [
        subtask.status,
        subtask.model,
        subtask.tier_assigned,
        subtask.attempts,
        subtask.cost,
        subtask.error,
        subtask.started_at,
        subtask.completed_at,
        subtask.result?.length ?? -1,
        subtask.input_tokens,
        subtask.output_tokens,
        subtask.description,
        live?.length ?? -1,
        estimateOf(subtask),
        this.selectedStep === subtask.index,
      ].join('\u0001');
      const row = this.rows[position]!;
      if (row.signature === signature) return;
      const element = renderStep(subtask, live, now, {
        open: this.openResults.has(subtask.index),
        focused: this.selectedStep === subtask.index,
        onToggle: (open) =>
          open ? this.openResults.add(subtask.index) : this.openResults.delete(subtask.index),
      });
      if (row.element) row.element.replaceWith(element);
      else list.appendChild(element);
      row.signature = signature;
      row.element = element;
      // Running text follows its newest line.
      const text = element.querySelector('pre.live-text');
      if (text) text.scrollTop = text.scrollHeight;
    });
  }

  /** Once a second: the elapsed time of running steps, without redrawing them. */
  tick(now: number): void {
    for (const span of this.root.querySelectorAll<HTMLElement>('.elapsed[data-started]')) {
      span.textContent = `elapsed ${duration(between(span.dataset.started ?? null, null, now))}`;
    }
    for (const span of this.root.querySelectorAll<HTMLElement>('.age[data-created]')) {
      span.textContent = age(span.dataset.created ?? '', now);
    }
  }
}
