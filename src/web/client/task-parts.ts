/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Small pieces of the task view: the answer on top, a labelled fact, the timeline's legend.

import type { Task } from '../../core/records.js';
import { fill, h } from './dom.js';
import { answerOf, sinksOf } from './task-model.js';

/** The record's answer once it has one; until then the results of the steps nothing depends on. */
export function renderAnswer(container: HTMLElement, task: Task): void {
  const answer = answerOf(task);
  if (answer !== null) {
    fill(
      container,
      h('div', { class: 'answer' }, [
        h('h3', { text: 'Answer' }),
        h('pre', { class: 'text answer-text', text: answer }),
      ]),
    );
    return;
  }
  const sinks = sinksOf(task.subtasks);
  const done = sinks.filter((subtask) => subtask.result !== null);
  if (done.length === 0) {
    container.replaceChildren();
    return;
  }
  fill(
    container,
    h('div', { class: 'answer' }, [
      h('h3', {
        text:
          done.length === sinks.length
            ? done.length === 1
              ? 'Result of the last step'
              : 'Results of the last steps'
            : `Results of the last steps so far (${done.length} of ${sinks.length})`,
      }),
      done.map((subtask) => [
        done.length > 1
          ? h('div', { class: 'small muted', text: `#${subtask.index} ${subtask.description}` })
          : null,
        h('pre', { class: 'text answer-text', text: subtask.result ?? '' }),
      ]),
    ]),
  );
}

export function fact(label: string, value: Node): HTMLElement {
  return h('span', { class: 'fact' }, [h('span', { class: 'muted', text: `${label}: ` }), value]);
}

export function legend(): HTMLElement {
  const item = (className: string, text: string) =>
    h('span', { class: 'legend-item' }, [h('span', { class: `swatch ${className}` }), text]);
  return h('span', { class: 'legend small muted' }, [
    item('queued', 'queued'),
    item('running', 'attempt'),
    item('failed', 'failed attempt'),
    item('retry', 'retry wait'),
    item('critical', 'critical path'),
  ]);
}
