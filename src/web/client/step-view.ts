/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// One step of the task view: status, tier and model, time, cost beside its estimate, tokens,
// its running text while it executes, and its result (open or closed as the reader left it).

import type { Subtask } from '../../core/records.js';
import { h, statusBadge } from './dom.js';
import { between, count, duration, money, preview } from './format.js';
import { estimateOf } from './task-model.js';

export interface StepOptions {
  open: boolean;
  focused: boolean;
  onToggle(open: boolean): void;
}

function costText(subtask: Subtask): string | null {
  const estimate = estimateOf(subtask);
  if (subtask.cost === null && estimate === null) return null;
  const actual = subtask.cost === null ? 'cost \u2014' : `cost ${money(subtask.cost)}`;
  return estimate === null ? actual : `${actual} (estimate ${money(estimate)})`;
}

export function renderStep(
  subtask: Subtask,
  live: string | null,
  now: number,
  options: StepOptions,
): HTMLLIElement {
  const running = subtask.status === 'executing';
  const cost = costText(subtask);
  const item = h(
    'li',
    {
      class: options.focused ? 'subtask focused' : 'subtask',
      dataset: { status: subtask.status, index: String(subtask.index) },
    },
    [
      h('div', { class: 'subtask-head' }, [
        h('span', { class: 'index', text: `#${subtask.index}` }),
        statusBadge(subtask.status),
        h('span', { class: 'description', text: subtask.description }),
      ]),
      h('div', { class: 'subtask-meta' }, [
        h('span', {
          text: `tier ${subtask.tier_assigned ?? subtask.tier_hint}${subtask.model ? ` \u00b7 ${subtask.model}` : ''}`,
        }),
        subtask.started_at
          ? h('span', {
              class: 'elapsed',
              dataset: running ? { started: subtask.started_at } : {},
              text: `elapsed ${duration(between(subtask.started_at, subtask.completed_at, now))}`,
            })
          : null,
        cost ? h('span', { class: 'cost', text: cost }) : null,
        subtask.depends_on.length
          ? h('span', { text: `after ${subtask.depends_on.map((index) => `#${index}`).join(', ')}` })
          : h('span', { text: 'no dependencies' }),
        subtask.attempts > 1 ? h('span', { text: `${subtask.attempts} attempts` }) : null,
        subtask.input_tokens !== null || subtask.output_tokens !== null
          ? h('span', {
              text: `tokens ${count(subtask.input_tokens)} in / ${count(subtask.output_tokens)} out`,
            })
          : null,
      ]),
      subtask.error ? h('div', { class: 'error-text', text: subtask.error }) : null,
      live !== null
        ? h('pre', { class: 'text live-text', dataset: { index: String(subtask.index) }, text: live })
        : null,
      subtask.result !== null ? resultDetails(subtask, options) : null,
    ],
  );
  return item;
}

function resultDetails(subtask: Subtask, options: StepOptions): HTMLDetailsElement {
  const result = subtask.result ?? '';
  const details = h('details', { class: 'result', open: options.open }, [
    h('summary', { class: 'small' }, [
      h('span', { class: 'muted', text: `Result (${count(result.length)} chars): ` }),
      preview(result, 140),
    ]),
    h('pre', { class: 'text', text: result }),
  ]);
  details.addEventListener('toggle', () => options.onToggle(details.open));
  return details;
}
