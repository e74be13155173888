/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The dashboard's entry point (bundled by scripts/build-dashboard.ts into one inline script):
// the live task list (GET /tasks/stream), the selected task (#task=ID), the submit form, the
// costs panel, and the token form shown after a 401.

import type { TaskSummary } from '../../core/records.js';
import { api, auth } from './api.js';
import { CostsPanel } from './costs-panel.js';
import { appendChildren, byId, fill, h } from './dom.js';
import { type FollowedStream, followStream } from './event-stream.js';
import { SelectedTask } from './selected-task.js';
import { wireSubmitForm } from './submit-form.js';
import { renderTaskList, TaskListModel, tickAges } from './task-list.js';
import { TaskView } from './task-view.js';

const LIST_LIMIT = 20;
const list = new TaskListModel(LIST_LIMIT);
let listLoaded = false;
let listStream: FollowedStream | null = null;
const costs = new CostsPanel();
const selected = new SelectedTask(
  new TaskView(byId('task-view'), { cancel: (id) => void selected.cancel(id) }),
  {
    onFinished: () => void costs.refresh(),
    onProgress: () => costs.schedule(),
  },
);

function renderList(): void {
  if (!listLoaded) return;
  renderTaskList(byId('task-list'), list.list(), selected.id, Date.now(), (id) => {
    location.hash = `task=${encodeURIComponent(id)}`;
  });
}

/** One stream for the whole list: a snapshot, then a summary per change; a reconnect snapshots again. */
function followList(): void {
  listStream?.close();
  const stream = followStream({
    url: `tasks/stream?limit=${LIST_LIMIT}`,
    eventNames: ['snapshot', 'task'],
    probeUrl: 'tasks?limit=1',
    onFrame: (name, data) => {
      if (listStream !== stream) return false;
      if (name === 'snapshot') {
        list.replace((data as { tasks: TaskSummary[] }).tasks);
        listLoaded = true;
      } else if (name === 'task') {
        list.upsert(data as TaskSummary);
      }
      byId('tasks-updated').textContent = `live \u00b7 updated ${new Date().toLocaleTimeString()}`;
      renderList();
      return false;
    },
    onState: (state, message) => {
      if (listStream !== stream) return;
      if (state === 'error') {
        byId('tasks-updated').textContent = `live updates stopped: ${message ?? ''}`;
        if (!listLoaded)
          fill(byId('task-list'), h('p', { class: 'error-text', text: message ?? 'the list failed' }));
      } else if (state === 'reconnecting') {
        byId('tasks-updated').textContent = 'reconnecting\u2026';
      }
    },
  });
  listStream = stream;
}

function selectFromHash(): void {
  const match = /^#task=(.+)$/.exec(location.hash);
  const id = match?.[1] ? decodeURIComponent(match[1]) : null;
  if (id !== selected.id) {
    void selected.select(id);
    renderList();
  }
}

async function loadHealth(): Promise<void> {
  try {
    const health = (await api<{ provider: string }>('healthz')).body;
    byId('provider-tag').textContent = `provider: ${health.provider}`;
    const notice = byId('provider-notice');
    notice.hidden = health.provider !== 'simulated';
    notice.textContent =
      'Simulated provider: no language model is called. Answers, tokens and costs are generated offline for trying symbiont out.';
  } catch {
    byId('provider-tag').textContent = 'server unreachable';
  }
}

function renderAuth(): void {
  byId('token-panel').hidden = !auth.required;
  byId('token-message').textContent = auth.message ? `The server says: ${auth.message}` : '';
  const status = byId('auth-state');
  status.replaceChildren();
  if (auth.token) {
    appendChildren(status, [
      'token set for this tab \u00b7 ',
      h('button', {
        class: 'link',
        type: 'button',
        text: 'forget it',
        onclick: () => {
          auth.set(null);
          refreshAll();
        },
      }),
    ]);
  } else if (!auth.required) {
    status.textContent = 'no token (local mode)';
  }
}

function refreshAll(): void {
  followList();
  void costs.refresh();
  void selected.select(selected.id);
}

auth.onChange = renderAuth;
byId('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = byId<HTMLInputElement>('token-input');
  const value = input.value.trim();
  if (!value) return;
  input.value = '';
  auth.required = false;
  auth.set(value);
  refreshAll();
});
wireSubmitForm((id) => {
  location.hash = `task=${encodeURIComponent(id)}`;
});
byId('costs-refresh').addEventListener('click', () => void costs.refresh());
window.addEventListener('hashchange', selectFromHash);
// A browser opens at most six connections to one HTTP/1.1 server: a hidden tab gives its list
// stream back, and takes a fresh snapshot when it is shown again.
document.addEventListener('visibilitychange', () => {
  if (document.hidden) {
    listStream?.close();
    listStream = null;
  } else if (listStream === null) {
    followList();
  }
});
setInterval(() => {
  const now = Date.now();
  selected.tick(now);
  tickAges(byId('task-list'), now);
  if (selected.running()) selected.scheduleRender();
}, 1000);
setInterval(() => {
  if (!document.hidden) void costs.refresh();
}, 30_000);

renderAuth();
void loadHealth();
followList();
void costs.refresh();
selectFromHash();
selected.render();
