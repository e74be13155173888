// Browser code (as text): calls to the HTTP API with the bearer token (kept in sessionStorage,
// asked for only after a 401), and a task's event stream: EventSource when no token is needed,
// else fetch() reading the text/event-stream body, since EventSource cannot send Authorization.

export const CLIENT_API = String.raw`
const TOKEN_KEY = 'symbiont.token';
const EVENT_TYPES = ['task.created', 'task.planned', 'task.plan_attempted', 'task.started', 'task.replanning',
  'task.finished', 'subtask.routed', 'subtask.queued', 'subtask.started', 'subtask.attempt_failed',
  'subtask.escalated', 'subtask.completed', 'subtask.failed', 'subtask.skipped', 'subtask.cancelled',
  'subtask.reset'];

const auth = {
  token: sessionStorage.getItem(TOKEN_KEY),
  /** The server answered 401: the token form is shown until a token works. */
  required: false,
  message: '',
  onChange: () => {},
  set(token) {
    this.token = token || null;
    if (this.token) sessionStorage.setItem(TOKEN_KEY, this.token);
    else sessionStorage.removeItem(TOKEN_KEY);
    this.onChange();
  },
};

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function authHeaders(extra) {
  const headers = new Headers(extra || {});
  if (auth.token) headers.set('authorization', 'Bearer ' + auth.token);
  return headers;
}

async function errorFrom(response) {
  let body = null;
  try { body = await response.json(); } catch { body = null; }
  const error = body && body.error ? body.error : {};
  const apiError = new ApiError(response.status, error.code || 'HTTP_' + response.status,
    error.message || response.statusText || 'request failed');
  if (response.status === 401) {
    auth.required = true;
    auth.message = apiError.message;
    auth.onChange();
  }
  return apiError;
}

/** A JSON call; resolves to {status, body}, rejects with an ApiError. Paths are relative to the page. */
async function api(path, options) {
  const init = options || {};
  const headers = authHeaders(init.headers);
  headers.set('accept', 'application/json');
  let response;
  try {
    response = await fetch(path, { method: init.method || 'GET', headers, body: init.body, cache: 'no-store' });
  } catch (error) {
    throw new ApiError(0, 'NETWORK', 'the server cannot be reached (' + (error && error.message) + ')');
  }
  if (!response.ok) throw await errorFrom(response);
  if (auth.required) {
    auth.required = false;
    auth.message = '';
    auth.onChange();
  }
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

function postJson(path, value) {
  return api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });
}

/** Parses one block of an event stream (the lines between blank lines) per the SSE rules. */
function parseSseBlock(block) {
  const frame = { id: null, event: 'message', data: [], retry: null };
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'id') frame.id = value;
    else if (field === 'event') frame.event = value;
    else if (field === 'data') frame.data.push(value);
    else if (field === 'retry' && /^[0-9]+$/.test(value)) frame.retry = Number(value);
  }
  return { id: frame.id, event: frame.event, data: frame.data.length ? frame.data.join('\n') : null, retry: frame.retry };
}

/**
 * Follows a task's events after seq afterSeq until task.finished or close().
 * handlers: onEvent(event), onState('live' | 'reconnecting' | 'ended' | 'error', message).
 */
function followTask(taskId, afterSeq, handlers) {
  const url = 'tasks/' + encodeURIComponent(taskId) + '/events';
  return auth.token ? followWithFetch(url, afterSeq, handlers) : followWithEventSource(url, afterSeq, handlers);
}

function followWithEventSource(url, afterSeq, handlers) {
  let lastId = afterSeq;
  let source = null;
  let retryTimer = null;
  let stopped = false;
  const stop = () => {
    stopped = true;
    clearTimeout(retryTimer);
    if (source) source.close();
  };
  const onFrame = (message) => {
    const event = JSON.parse(message.data);
    if (typeof event.seq === 'number') lastId = event.seq;
    handlers.onEvent(event);
    if (event.type === 'task.finished') {
      stop();
      handlers.onState('ended');
    }
  };
  const onError = (message) => {
    if (stopped) return;
    if (message.data) {
      const body = JSON.parse(message.data);
      handlers.onState('error', body.error ? body.error.message : 'the event stream failed');
    } else if (source.readyState === EventSource.CLOSED) {
      // EventSource gives up on an answer that is not 200 without saying which: ask the API.
      api(url.replace(/\/events$/, '')).then(
        () => retryLater(),
        (error) => (error.status >= 400 && error.status < 500 ? handlers.onState('error', error.message) : retryLater()),
      );
    } else {
      handlers.onState('reconnecting');
    }
  };
  const retryLater = () => {
    if (stopped) return;
    handlers.onState('reconnecting');
    retryTimer = setTimeout(connect, 3000);
  };
  const connect = () => {
    if (stopped) return;
    source = new EventSource(lastId > 0 ? url + '?last_event_id=' + lastId : url);
    for (const type of EVENT_TYPES) source.addEventListener(type, onFrame);
    source.addEventListener('open', () => handlers.onState('live'));
    source.addEventListener('error', onError);
  };
  connect();
  return { close: stop };
}

function followWithFetch(url, afterSeq, handlers) {
  const controller = new AbortController();
  let lastId = afterSeq;
  let retryMs = 2000;
  let finished = false;
  let closed = false;
  const dispatch = (frame) => {
    if (frame.retry !== null) retryMs = frame.retry;
    if (frame.id !== null && /^[0-9]+$/.test(frame.id)) lastId = Number(frame.id);
    if (frame.data === null) return;
    const body = JSON.parse(frame.data);
    if (frame.event === 'error') {
      handlers.onState('error', body.error ? body.error.message : 'the event stream failed');
      return;
    }
    handlers.onEvent(body);
    if (body.type === 'task.finished') finished = true;
  };
  const readOnce = async () => {
    const headers = authHeaders({ accept: 'text/event-stream' });
    if (lastId > 0) headers.set('last-event-id', String(lastId));
    const response = await fetch(url, { headers, signal: controller.signal, cache: 'no-store' });
    if (!response.ok) throw await errorFrom(response);
    handlers.onState('live');
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      // Line ends may be CRLF or CR; a CR at the very end may be half of a CRLF still coming.
      buffer = (buffer + value).replace(/\r\n|\r(?!$)/g, '\n');
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        dispatch(parseSseBlock(buffer.slice(0, end)));
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
      }
      if (finished) break;
    }
  };
  const loop = async () => {
    while (!finished && !controller.signal.aborted) {
      try {
        await readOnce();
      } catch (error) {
        if (controller.signal.aborted) return;
        if (error instanceof ApiError && error.status >= 400 && error.status < 500) {
          handlers.onState('error', error.message);
          return;
        }
      }
      if (finished || controller.signal.aborted) break;
      handlers.onState('reconnecting');
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
    controller.abort();
    if (finished && !closed) handlers.onState('ended');
  };
  loop();
  return { close: () => { closed = true; controller.abort(); } };
}
`;
