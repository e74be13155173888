// Browser code (as text, inlined into the page): building elements safely and formatting
// numbers and times. Every string reaches the DOM as a text node or an attribute value, never as
// markup: task prompts, results and errors are untrusted (model output).

export const CLIENT_DOM = String.raw`
function byId(id) { return document.getElementById(id); }

/** An element: props set attributes (class, text, on<event>, dataset), children are nodes or text. */
function h(tag, props, children) {
  const element = document.createElement(tag);
  if (props) {
    for (const key of Object.keys(props)) {
      const value = props[key];
      if (value === null || value === undefined || value === false) continue;
      if (key === 'class') element.className = value;
      else if (key === 'text') element.textContent = String(value);
      else if (key === 'dataset') Object.assign(element.dataset, value);
      else if (key.startsWith('on')) element.addEventListener(key.slice(2), value);
      else element.setAttribute(key, value === true ? '' : String(value));
    }
  }
  appendChildren(element, children);
  return element;
}

function appendChildren(parent, children) {
  if (children === null || children === undefined || children === false) return;
  if (Array.isArray(children)) {
    for (const child of children) appendChildren(parent, child);
  } else if (typeof children === 'string' || typeof children === 'number') {
    parent.appendChild(document.createTextNode(String(children)));
  } else {
    parent.appendChild(children);
  }
}

/** Replaces the children of an element. */
function fill(element, children) {
  element.replaceChildren();
  appendChildren(element, children);
}

const KNOWN_STATUSES = ['planning', 'planned', 'executing', 'completed', 'partial', 'failed', 'cancelled',
  'pending', 'routing', 'queued', 'skipped'];
const FINAL_TASK_STATUSES = ['completed', 'partial', 'failed', 'cancelled'];

function isFinalTask(status) { return FINAL_TASK_STATUSES.includes(status); }

function statusBadge(status) {
  const known = KNOWN_STATUSES.includes(status) ? status : 'unknown';
  return h('span', { class: 'badge status-' + known, text: String(status) });
}

function money(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return '\u2014';
  if (value === 0) return '$0.00';
  if (Math.abs(value) < 0.0001) return '<$0.0001';
  return '$' + value.toFixed(Math.abs(value) < 1 ? 4 : 2);
}

function count(value) {
  return value === null || value === undefined ? '\u2014' : Number(value).toLocaleString('en-US');
}

function duration(milliseconds) {
  if (milliseconds === null || milliseconds === undefined || milliseconds < 0) return '\u2014';
  if (milliseconds < 1000) return Math.round(milliseconds) + 'ms';
  const seconds = milliseconds / 1000;
  if (seconds < 60) return seconds.toFixed(1) + 's';
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return minutes + 'm ' + String(Math.floor(seconds % 60)).padStart(2, '0') + 's';
  return Math.floor(minutes / 60) + 'h ' + String(minutes % 60).padStart(2, '0') + 'm';
}

function age(iso, now) {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return '\u2014';
  const seconds = Math.max(0, Math.round((now - time) / 1000));
  if (seconds < 60) return seconds + 's ago';
  if (seconds < 3600) return Math.floor(seconds / 60) + 'm ago';
  if (seconds < 86400) return Math.floor(seconds / 3600) + 'h ago';
  return Math.floor(seconds / 86400) + 'd ago';
}

/** Milliseconds between two ISO times; the second defaults to now. */
function between(startIso, endIso, now) {
  if (!startIso) return null;
  const start = Date.parse(startIso);
  const end = endIso ? Date.parse(endIso) : now;
  return Number.isNaN(start) || Number.isNaN(end) ? null : end - start;
}

function preview(text, length) {
  const flat = String(text).replace(/\s+/g, ' ').trim();
  return flat.length > length ? flat.slice(0, length) + '\u2026' : flat;
}
`;
