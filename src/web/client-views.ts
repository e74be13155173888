// Browser code (as text): the dashboard's panels drawn from plain data: the recent-task list,
// the task view (subtask tree, kept row by row so open results stay open while events arrive)
// and the costs/ledger panel. Only text nodes and attributes: nothing is parsed as markup.

export const CLIENT_VIEWS = String.raw`
function renderTaskList(container, tasks, selectedId, now, onSelect) {
  if (!tasks.length) {
    fill(container, h('p', { class: 'empty', text: 'No tasks yet. Submit a prompt above.' }));
    return;
  }
  const items = tasks.map((task) => {
    const share = task.subtask_count ? task.completed_count / task.subtask_count : 0;
    const bar = h('span', { class: 'progress' }, h('span'));
    bar.firstChild.style.width = Math.round(share * 100) + '%';
    return h('li', {
      class: 'task-item' + (task.id === selectedId ? ' selected' : ''),
      dataset: { taskId: task.id },
      title: task.prompt,
      tabindex: '0',
      role: 'link',
      onclick: () => onSelect(task.id),
      onkeydown: (event) => { if (event.key === 'Enter') onSelect(task.id); },
    }, [
      h('div', { class: 'task-prompt', text: preview(task.prompt, 100) }),
      h('div', { class: 'task-meta' }, [
        statusBadge(task.status),
        h('span', { class: 'done' }, [bar, task.completed_count + '/' + task.subtask_count]),
        h('span', { class: 'cost', text: money(task.total_cost) }),
        h('span', { class: 'age', dataset: { created: task.created_at }, text: age(task.created_at, now) }),
      ]),
    ]);
  });
  fill(container, h('ul', { class: 'tasks' }, items));
}

const STREAM_LABELS = { idle: '', live: '\u25cf live', reconnecting: 'reconnecting\u2026', ended: 'finished', error: 'stream error' };

/** The task view: header facts re-drawn on each render, subtask rows re-drawn when they change. */
class TaskView {
  constructor(root, actions) {
    this.root = root;
    this.actions = actions;
    this.taskId = null;
    this.rows = [];
    this.openResults = new Set();
  }

  showEmpty(message) {
    this.taskId = null;
    this.rows = [];
    fill(this.root, [h('h2', { text: 'Task' }), h('p', { class: 'empty', text: message })]);
  }

  render(task, view, now) {
    if (task.id !== this.taskId) this.build(task.id);
    const final = isFinalTask(task.status);
    const completed = task.subtasks.filter((subtask) => subtask.status === 'completed').length;
    fill(this.parts.status, statusBadge(task.status));
    this.parts.stream.textContent = STREAM_LABELS[view.streamState] || '';
    this.parts.stream.className = 'small ' + (view.streamState === 'error' ? 'error-text' : 'muted');
    this.parts.stream.title = view.streamMessage || '';
    this.parts.cancel.hidden = final;
    this.parts.cancel.disabled = view.cancelling;
    this.parts.prompt.textContent = task.prompt;
    fill(this.parts.facts, [
      this.fact('Total cost', h('b', { id: 'task-total-cost', class: 'total-cost', text: money(task.total_cost) })),
      this.fact('Subtasks', h('b', { text: completed + ' / ' + task.subtasks.length + ' completed' })),
      this.fact('Created', h('span', { text: age(task.created_at, now) })),
      this.fact(final ? 'Took' : 'Running for', h('span', { text: duration(between(task.created_at, task.completed_at, now)) })),
      task.settings ? this.fact('Provider', h('span', { text: task.settings.provider })) : null,
      // The owner is a token id, NAME@RANDOM: the name is shown, the id is the tooltip.
      task.owner ? this.fact('Owner', h('span', { text: task.owner.replace(/@[0-9a-f]{16}$/, ''), title: task.owner })) : null,
    ]);
    fill(this.parts.notes, [
      task.error ? h('div', { class: 'box error', text: task.error }) : null,
      view.streamState === 'error' && view.streamMessage ? h('div', { class: 'box error', text: 'Live updates stopped: ' + view.streamMessage }) : null,
      view.actionError ? h('div', { class: 'box error', text: view.actionError }) : null,
      task.warnings && task.warnings.length
        ? h('details', { class: 'box' }, [h('summary', { text: 'Plan warnings (' + task.warnings.length + ')' }),
          h('ul', null, task.warnings.map((warning) => h('li', { text: warning })))])
        : null,
      task.reasoning ? h('details', { class: 'box' }, [h('summary', { text: 'Planner reasoning' }), h('pre', { class: 'text', text: task.reasoning })]) : null,
      task.status === 'planning' ? h('p', { class: 'muted', text: 'Planning\u2026 the subtasks appear when the plan is ready.' }) : null,
    ]);
    this.renderSubtasks(task.subtasks, now);
  }

  fact(label, value) {
    return h('span', { class: 'fact' }, [h('span', { class: 'muted', text: label + ': ' }), value]);
  }

  build(taskId) {
    this.taskId = taskId;
    this.rows = [];
    this.openResults = new Set();
    const cancel = h('button', { class: 'danger', type: 'button', id: 'cancel-button', text: 'Cancel task', onclick: () => this.actions.cancel(taskId) });
    this.parts = {
      status: h('span'), stream: h('span', { id: 'stream-state' }), cancel,
      prompt: h('div', { class: 'prompt-text' }), facts: h('div', { class: 'facts' }), notes: h('div'),
      list: h('ol', { class: 'subtasks', id: 'subtask-list' }),
    };
    fill(this.root, [
      h('h2', null, ['Task', this.parts.status, h('span', { class: 'spacer' }), this.parts.stream, cancel]),
      h('div', { class: 'mono muted', id: 'task-id', text: taskId }),
      this.parts.prompt, this.parts.facts, this.parts.notes, this.parts.list,
    ]);
  }

  renderSubtasks(subtasks, now) {
    if (this.rows.length !== subtasks.length) {
      this.rows = subtasks.map(() => ({ signature: null, element: null }));
      this.parts.list.replaceChildren();
    }
    const depths = depthsOf(subtasks);
    subtasks.forEach((subtask, position) => {
      const signature = [subtask.status, subtask.model, subtask.tier_assigned, subtask.attempts, subtask.cost,
        subtask.error, subtask.started_at, subtask.completed_at, subtask.result ? subtask.result.length : -1,
        subtask.input_tokens, subtask.output_tokens, depths[position], subtask.description].join('\u0001');
      const row = this.rows[position];
      if (row.signature === signature) return;
      const element = this.subtaskItem(subtask, depths[position], now);
      if (row.element) row.element.replaceWith(element);
      else this.parts.list.appendChild(element);
      row.signature = signature;
      row.element = element;
    });
  }

  subtaskItem(subtask, depth, now) {
    const running = subtask.status === 'executing';
    const elapsed = h('span', {
      class: 'elapsed',
      dataset: running && subtask.started_at ? { started: subtask.started_at } : {},
      text: 'elapsed ' + duration(between(subtask.started_at, subtask.completed_at, now)),
    });
    const item = h('li', { class: 'subtask', dataset: { status: subtask.status, index: String(subtask.index) } }, [
      h('div', { class: 'subtask-head' }, [
        h('span', { class: 'index', text: '#' + subtask.index }),
        statusBadge(subtask.status),
        h('span', { class: 'description', text: subtask.description }),
      ]),
      h('div', { class: 'subtask-meta' }, [
        h('span', { text: 'tier ' + (subtask.tier_assigned || subtask.tier_hint) + (subtask.model ? ' \u00b7 ' + subtask.model : '') }),
        subtask.started_at ? elapsed : null,
        subtask.cost !== null ? h('span', { class: 'cost', text: 'cost ' + money(subtask.cost) }) : null,
        subtask.depends_on.length
          ? h('span', { text: 'after ' + subtask.depends_on.map((index) => '#' + index).join(', ') })
          : h('span', { text: 'no dependencies' }),
        subtask.attempts > 1 ? h('span', { text: subtask.attempts + ' attempts' }) : null,
        subtask.input_tokens !== null || subtask.output_tokens !== null
          ? h('span', { text: 'tokens ' + count(subtask.input_tokens) + ' in / ' + count(subtask.output_tokens) + ' out' })
          : null,
      ]),
      subtask.error ? h('div', { class: 'error-text', text: subtask.error }) : null,
      subtask.result !== null ? this.resultDetails(subtask) : null,
    ]);
    item.style.marginLeft = Math.min(depth, 8) * 18 + 'px';
    return item;
  }

  resultDetails(subtask) {
    const details = h('details', { class: 'result', open: this.openResults.has(subtask.index) }, [
      h('summary', { class: 'small' }, [
        h('span', { class: 'muted', text: 'Result (' + count(subtask.result.length) + ' chars): ' }),
        preview(subtask.result, 140),
      ]),
      h('pre', { class: 'text', text: subtask.result }),
    ]);
    details.addEventListener('toggle', () => {
      if (details.open) this.openResults.add(subtask.index);
      else this.openResults.delete(subtask.index);
    });
    return details;
  }

  /** Once a second: the elapsed time of running subtasks, without redrawing them. */
  tick(now) {
    for (const span of this.root.querySelectorAll('.elapsed[data-started]')) {
      span.textContent = 'elapsed ' + duration(between(span.dataset.started, null, now));
    }
  }
}

function costTable(title, report) {
  const rows = report.rows.map((row) => h('tr', null, [
    h('td', { class: 'mono', text: row.key }), h('td', { class: 'num', text: count(row.calls) }),
    h('td', { class: 'num', text: count(row.failed_calls) }), h('td', { class: 'num', text: count(row.input_tokens) }),
    h('td', { class: 'num', text: count(row.output_tokens) }), h('td', { class: 'num', text: money(row.cost_usd) }),
  ]));
  const total = report.total;
  return [
    h('h3', { class: 'small', text: title }),
    report.rows.length === 0 ? h('p', { class: 'empty', text: 'No model calls in the ledger yet.' }) : h('table', { class: 'costs' }, [
      h('thead', null, h('tr', null, ['Key', 'Calls', 'Failed', 'Tokens in', 'Tokens out', 'Cost'].map((label, index) =>
        h('th', { class: index ? 'num' : null, text: label })))),
      h('tbody', null, rows),
      h('tfoot', null, h('tr', null, [
        h('th', { text: 'Total' }), h('th', { class: 'num', text: count(total.calls) }),
        h('th', { class: 'num', text: count(total.failed_calls) }), h('th', { class: 'num', text: count(total.input_tokens) }),
        h('th', { class: 'num', text: count(total.output_tokens) }), h('th', { class: 'num', text: money(total.cost_usd) }),
      ])),
    ]),
  ];
}

function renderCosts(parts, costs) {
  if (costs.error) {
    const forbidden = costs.error.status === 403;
    fill(parts.ledger, h('div', { class: 'box ' + (forbidden ? '' : 'error'),
      text: forbidden ? 'Costs and the ledger check need an admin token.' : 'Costs unavailable: ' + costs.error.message }));
    parts.model.replaceChildren();
    parts.day.replaceChildren();
    return;
  }
  const verdict = costs.verify;
  if (verdict) {
    const warnings = (verdict.warnings || []).map((warning) => h('div', { class: 'small muted', text: 'warning: ' + warning }));
    fill(parts.ledger, verdict.ok
      ? h('div', { class: 'box ok', id: 'ledger-verdict' }, [
        h('b', { class: 'ok-text', text: 'Ledger chain sound' }),
        ' \u00b7 ' + count(verdict.entries) + ' entries', warnings])
      : h('div', { class: 'box error', id: 'ledger-verdict' }, [
        h('b', { text: 'Ledger chain BROKEN' }), ' at ' + verdict.reason + ' (' + count(verdict.entries) + ' sound entries before it)', warnings]));
  }
  if (costs.model) fill(parts.model, costTable('By model', costs.model));
  if (costs.day) fill(parts.day, costTable('By day (UTC)', costs.day));
}
`;
