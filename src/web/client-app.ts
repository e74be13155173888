// Browser code (as text): the dashboard's state and wiring. Submits tasks, keeps the recent
// list fresh (polling, faster while tasks run), follows the selected task (#task=ID) through its
// event stream, refreshes costs and the ledger verdict, and asks for a token only after a 401.

export const CLIENT_APP = String.raw`
const state = {
  tasks: null,
  selectedId: null,
  record: null,
  streamTask: null,
  caughtUp: false,
  lastSeq: 0,
  stream: null,
  view: { streamState: 'idle', streamMessage: '', cancelling: false, actionError: '' },
  costs: {},
};
const taskView = new TaskView(byId('task-view'), { cancel: cancelTask });
const costParts = { ledger: byId('ledger-status'), model: byId('costs-model'), day: byId('costs-day') };

function finalCount(task) {
  return task.subtasks.filter((subtask) => ['completed', 'failed', 'skipped', 'cancelled'].includes(subtask.status)).length;
}

/** The record to draw: the stream's once it has replayed at least as far as the fetched one. */
function shownTask() {
  const { record, streamTask } = state;
  if (!state.caughtUp && streamTask && (!record || (isFinalTask(streamTask.status) ||
      (finalCount(streamTask) >= finalCount(record) && streamTask.subtasks.length >= record.subtasks.length)))) {
    state.caughtUp = true;
  }
  return state.caughtUp ? streamTask : record;
}

let renderTimer = null;
function scheduleRender() {
  if (renderTimer === null) renderTimer = setTimeout(() => { renderTimer = null; renderTask(); }, 50);
}

function renderTask() {
  if (!state.selectedId) return taskView.showEmpty('Select a task in the list, or submit a new one.');
  const task = shownTask();
  if (!task) return taskView.showEmpty(state.view.actionError || 'Loading\u2026');
  taskView.render(task, state.view, Date.now());
}

function renderList() {
  const container = byId('task-list');
  if (state.tasks) renderTaskList(container, state.tasks, state.selectedId, Date.now(), (id) => { location.hash = 'task=' + encodeURIComponent(id); });
}

// ---- recent tasks ----------------------------------------------------------------------------

let listTimer = null;
let listThrottle = null;
async function refreshList() {
  clearTimeout(listTimer);
  try {
    state.tasks = (await api('tasks?limit=20')).body;
    byId('tasks-updated').textContent = 'updated ' + new Date().toLocaleTimeString();
    renderList();
  } catch (error) {
    if (!state.tasks) fill(byId('task-list'), h('p', { class: 'error-text', text: error.message }));
    byId('tasks-updated').textContent = 'update failed: ' + error.message;
  }
  const busy = !state.tasks || state.tasks.some((task) => !isFinalTask(task.status));
  listTimer = setTimeout(() => (document.hidden ? scheduleList(1000) : refreshList()), busy ? 2000 : 10000);
}

function scheduleList(delay) {
  if (listThrottle === null) listThrottle = setTimeout(() => { listThrottle = null; refreshList(); }, delay);
}

// ---- the selected task -----------------------------------------------------------------------

function selectFromHash() {
  const match = /^#task=(.+)$/.exec(location.hash);
  const id = match ? decodeURIComponent(match[1]) : null;
  if (id !== state.selectedId) selectTask(id);
}

async function selectTask(id) {
  if (state.stream) state.stream.close();
  Object.assign(state, { selectedId: id, record: null, streamTask: null, caughtUp: false, lastSeq: 0, stream: null });
  state.view = { streamState: 'idle', streamMessage: '', cancelling: false, actionError: '' };
  renderList();
  renderTask();
  if (!id) return;
  try {
    const record = (await api('tasks/' + encodeURIComponent(id))).body;
    if (state.selectedId !== id) return;
    state.record = record;
    if (!isFinalTask(record.status)) follow(id);
  } catch (error) {
    if (state.selectedId === id) state.view.actionError = error.message;
  }
  renderTask();
}

function follow(id) {
  const stream = followTask(id, 0, {
    onEvent: (event) => {
      if (state.stream !== stream || event.seq <= state.lastSeq) return;
      state.lastSeq = event.seq;
      state.streamTask = applyEvent(state.streamTask, event);
      scheduleRender();
      if (event.type.startsWith('subtask.') && event.type !== 'subtask.routed') scheduleList(700);
      if (event.type === 'subtask.completed' || event.type === 'subtask.attempt_failed') scheduleCosts();
      if (event.type === 'task.finished') onFinished(id);
    },
    onState: (streamState, message) => {
      if (state.stream !== stream) return;
      state.view.streamState = streamState;
      state.view.streamMessage = message || '';
      scheduleRender();
    },
  });
  state.stream = stream;
}

async function onFinished(id) {
  scheduleList(100);
  refreshCosts();
  try {
    const record = (await api('tasks/' + encodeURIComponent(id))).body;
    if (state.selectedId === id) {
      Object.assign(state, { record, streamTask: record, caughtUp: true });
      scheduleRender();
    }
  } catch {
    // the streamed record stands
  }
}

async function cancelTask(id) {
  state.view.cancelling = true;
  state.view.actionError = '';
  renderTask();
  try {
    const record = (await api('tasks/' + encodeURIComponent(id) + '/cancel', { method: 'POST' })).body;
    if (state.selectedId === id && !state.caughtUp) state.record = record;
    scheduleList(100);
  } catch (error) {
    state.view.actionError = 'Cancel failed: ' + error.message;
  }
  state.view.cancelling = false;
  renderTask();
}

// ---- submitting ------------------------------------------------------------------------------

function submitBody() {
  const prompt = byId('prompt-input').value.trim();
  const planText = byId('plan-input').value.trim();
  if (!planText) {
    if (!prompt) throw new Error('Write a prompt, or paste a plan.');
    return { prompt };
  }
  let parsed;
  try {
    parsed = JSON.parse(planText);
  } catch (error) {
    throw new Error('The plan is not valid JSON: ' + error.message);
  }
  const plan = parsed && typeof parsed === 'object' && parsed.plan ? parsed.plan : parsed;
  if (prompt && plan && typeof plan === 'object' && plan.prompt === undefined) plan.prompt = prompt;
  return { plan };
}

async function submitTask(event) {
  event.preventDefault();
  const result = byId('submit-result');
  const button = byId('submit-button');
  let body;
  try {
    body = submitBody();
  } catch (error) {
    fill(result, h('div', { class: 'box error', text: error.message }));
    return;
  }
  button.disabled = true;
  byId('submit-status').textContent = 'Submitting\u2026';
  try {
    const answer = await postJson('tasks?wait=false', body);
    const receipt = answer.body;
    fill(result, h('div', { class: 'box ok', id: 'submit-receipt' }, [
      h('b', { text: answer.status + ' Accepted' }), ' \u00b7 ',
      h('span', { class: 'mono', text: receipt.id }), ' \u00b7 status ' + receipt.status +
        (receipt.status === 'planning' ? '' : ' \u00b7 ' + receipt.subtask_count + ' subtasks'),
    ]));
    byId('prompt-input').value = '';
    byId('plan-input').value = '';
    location.hash = 'task=' + encodeURIComponent(receipt.id);
    scheduleList(50);
  } catch (error) {
    fill(result, h('div', { class: 'box error', text: (error.status ? error.status + ' ' : '') + error.code + ': ' + error.message }));
  } finally {
    button.disabled = false;
    byId('submit-status').textContent = '';
  }
}

// ---- costs, provider, token ------------------------------------------------------------------

let costsTimer = null;
/** Costs follow a running task, at most every few seconds: the ledger check reads the whole file. */
function scheduleCosts() {
  if (costsTimer === null) costsTimer = setTimeout(() => { costsTimer = null; refreshCosts(); }, 4000);
}

async function refreshCosts() {
  // A token that is not an admin's gets 403 here; asking again changes nothing until it changes.
  if (state.costs.error && state.costs.error.status === 403 && state.costs.token === auth.token) return;
  try {
    const verify = await api('ledger/verify');
    const [model, day] = await Promise.all([api('costs?by=model'), api('costs?by=day')]);
    state.costs = { model: model.body, day: day.body, verify: verify.body };
  } catch (error) {
    state.costs = { error, token: auth.token };
  }
  renderCosts(costParts, state.costs);
  byId('costs-updated').textContent = state.costs.error ? '' : 'checked ' + new Date().toLocaleTimeString();
}

async function loadHealth() {
  try {
    const health = (await api('healthz')).body;
    byId('provider-tag').textContent = 'provider: ' + health.provider;
    const notice = byId('provider-notice');
    notice.hidden = health.provider !== 'simulated';
    notice.textContent = 'Simulated provider: no language model is called. Answers, tokens and costs are generated offline for trying symbiont out.';
  } catch (error) {
    byId('provider-tag').textContent = 'server unreachable';
  }
}

function renderAuth() {
  byId('token-panel').hidden = !auth.required;
  byId('token-message').textContent = auth.message ? 'The server says: ' + auth.message : '';
  const status = byId('auth-state');
  status.replaceChildren();
  if (auth.token) {
    appendChildren(status, ['token set for this tab \u00b7 ',
      h('button', { class: 'link', type: 'button', text: 'forget it', onclick: () => { auth.set(null); refreshAll(); } })]);
  } else if (!auth.required) {
    status.textContent = 'no token (local mode)';
  }
}

function refreshAll() {
  refreshList();
  refreshCosts();
  const id = state.selectedId;
  state.selectedId = null;
  selectTask(id);
}

auth.onChange = renderAuth;
byId('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const value = byId('token-input').value.trim();
  if (!value) return;
  byId('token-input').value = '';
  auth.required = false;
  auth.set(value);
  refreshAll();
});
byId('submit-form').addEventListener('submit', submitTask);
byId('costs-refresh').addEventListener('click', refreshCosts);
window.addEventListener('hashchange', selectFromHash);
setInterval(() => {
  const now = Date.now();
  taskView.tick(now);
  for (const cell of document.querySelectorAll('#task-list .age[data-created]')) cell.textContent = age(cell.dataset.created, now);
  const task = state.selectedId ? shownTask() : null;
  if (task && !isFinalTask(task.status)) scheduleRender();
}, 1000);
setInterval(() => { if (!document.hidden) refreshCosts(); }, 30000);

renderAuth();
loadHealth();
refreshList();
refreshCosts();
selectFromHash();
renderTask();
`;
