// The dashboard's stylesheet, inlined into the page by dashboard-page.ts (no CDN: the page must
// work on a machine without internet). Plain CSS, light and dark schemes; the pictures' rules
// are in pictures-style.ts.

import { PICTURES_CSS } from './pictures-style.js';

// biome-ignore lint/complexity/noUselessStringRaw: raw, so that browser code keeps any escape it gains verbatim
const BASE_CSS = String.raw`
:root {
  color-scheme: light dark;
  --bg: #f6f7f9; --panel: #ffffff; --text: #1d2430; --muted: #667085; --line: #e3e6eb;
  --accent: #2f6feb; --accent-text: #ffffff; --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e;
  --run: #2f6feb; --idle: #8c959f; --code-bg: #f1f3f5; --selected: #eaf1ff; --crit: #d4530f;
  --radius: 8px; --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1318; --panel: #171c23; --text: #e6e9ee; --muted: #9aa4b2; --line: #2a313b;
    --accent: #4c8dff; --ok: #3fb950; --warn: #d29922; --bad: #f85149; --run: #58a6ff;
    --idle: #6e7681; --code-bg: #11161c; --selected: #1c2a40; --crit: #f0883e;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header.top { display: flex; align-items: center; gap: 12px; flex-wrap: wrap;
  padding: 10px 20px; background: var(--panel); border-bottom: 1px solid var(--line); }
header.top h1 { margin: 0; font-size: 18px; letter-spacing: 0.02em; }
header.top .spacer { flex: 1; }
.tag { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px;
  border: 1px solid var(--line); color: var(--muted); white-space: nowrap; }
.notice { margin: 12px 20px 0; padding: 8px 12px; border-radius: var(--radius);
  border: 1px solid var(--warn); color: var(--warn); background: transparent; }
.notice.error { border-color: var(--bad); color: var(--bad); }
main { display: grid; grid-template-columns: minmax(300px, 400px) minmax(0, 1fr); gap: 16px;
  padding: 16px 20px 24px; align-items: start; }
@media (max-width: 900px) { main { grid-template-columns: minmax(0, 1fr); } }
.column { display: grid; gap: 16px; min-width: 0; }
section.panel { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius);
  padding: 14px 16px; min-width: 0; }
section.panel > h2 { margin: 0 0 10px; font-size: 15px; display: flex; align-items: center; gap: 8px; }
section.panel > h2 .spacer { flex: 1; }
section.wide { grid-column: 1 / -1; }
label { display: block; font-weight: 600; margin: 6px 0 4px; }
textarea, input[type="text"], input[type="password"] { width: 100%; padding: 7px 9px;
  border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--text);
  font: inherit; }
textarea { min-height: 84px; resize: vertical; }
textarea.code { font-family: var(--mono); font-size: 12px; min-height: 120px; }
button { font: inherit; padding: 6px 14px; border-radius: 6px; border: 1px solid var(--line);
  background: var(--panel); color: var(--text); cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: var(--accent-text); }
button.danger { border-color: var(--bad); color: var(--bad); }
button.link { border: none; background: none; padding: 0; color: var(--accent); cursor: pointer; }
button:disabled { opacity: 0.55; cursor: default; }
.row { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin-top: 8px; }
.muted { color: var(--muted); }
.mono { font-family: var(--mono); font-size: 12px; }
.small { font-size: 12px; }
.error-text { color: var(--bad); }
.ok-text { color: var(--ok); }
.warn-text { color: var(--warn); }
.box { margin-top: 10px; padding: 8px 10px; border-radius: 6px; border: 1px solid var(--line);
  background: var(--bg); overflow-wrap: anywhere; }
.box.error { border-color: var(--bad); color: var(--bad); }
.box.ok { border-color: var(--ok); }
details > summary { cursor: pointer; }
pre.text { white-space: pre-wrap; overflow-wrap: anywhere; margin: 6px 0 0; padding: 8px 10px;
  background: var(--code-bg); border-radius: 6px; font-family: var(--mono); font-size: 12px;
  max-height: 420px; overflow: auto; }
.badge { display: inline-block; min-width: 74px; text-align: center; padding: 1px 8px; border-radius: 999px;
  font-size: 12px; font-weight: 600; color: #fff; background: var(--idle); white-space: nowrap; }
.status-completed { background: var(--ok); }
.status-partial { background: var(--warn); }
.status-failed, .status-skipped { background: var(--bad); }
.status-cancelled { background: var(--muted); }
.status-executing, .status-planning { background: var(--run); }
.status-queued, .status-planned, .status-routing { background: #8250df; }
.status-executing::before, .status-planning::before { content: ""; display: inline-block; width: 6px;
  height: 6px; margin-right: 5px; border-radius: 50%; background: #fff; vertical-align: middle;
  animation: pulse 1s ease-in-out infinite alternate; }
@keyframes pulse { from { opacity: 0.25; } to { opacity: 1; } }
table.costs { width: 100%; border-collapse: collapse; }
table.costs td, table.costs th { padding: 6px 6px; text-align: left; border-bottom: 1px solid var(--line);
  vertical-align: middle; }
table.costs th { font-size: 12px; color: var(--muted); font-weight: 600; }
ul.tasks { list-style: none; margin: 0; padding: 0; }
li.task-item { padding: 8px 8px; border-bottom: 1px solid var(--line); cursor: pointer; border-radius: 4px; }
li.task-item:hover { background: var(--bg); }
li.task-item.selected { background: var(--selected); }
.task-prompt { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.task-meta { display: flex; align-items: center; gap: 14px; margin-top: 4px; font-size: 12px;
  color: var(--muted); font-variant-numeric: tabular-nums; }
.task-meta .age { margin-left: auto; }
.task-meta .cost { color: var(--text); }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.progress { display: inline-block; width: 46px; height: 6px; border-radius: 3px; background: var(--line);
  vertical-align: middle; margin-right: 6px; overflow: hidden; }
.progress > span { display: block; height: 100%; background: var(--ok); }
.facts { display: flex; flex-wrap: wrap; gap: 6px 18px; margin: 8px 0 4px; }
.facts .fact b { font-variant-numeric: tabular-nums; }
.total-cost { font-size: 18px; }
.prompt-text { white-space: pre-wrap; overflow-wrap: anywhere; margin: 4px 0; }
ol.subtasks { list-style: none; margin: 10px 0 0; padding: 0; display: grid; gap: 6px; }
li.subtask { border: 1px solid var(--line); border-left: 4px solid var(--idle); border-radius: 6px;
  padding: 7px 10px; background: var(--panel); }
li.subtask[data-status="completed"] { border-left-color: var(--ok); }
li.subtask[data-status="executing"] { border-left-color: var(--run); }
li.subtask[data-status="failed"], li.subtask[data-status="skipped"] { border-left-color: var(--bad); }
li.subtask[data-status="queued"] { border-left-color: #8250df; }
.subtask-head { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
.subtask-head .index { font-family: var(--mono); color: var(--muted); }
.subtask-head .description { flex: 1 1 240px; min-width: 0; overflow-wrap: anywhere; }
.subtask-meta { display: flex; gap: 12px; flex-wrap: wrap; font-size: 12px; color: var(--muted);
  font-variant-numeric: tabular-nums; margin-top: 2px; }
.subtask .error-text { margin-top: 4px; overflow-wrap: anywhere; }
.costs-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 16px; }
.empty { color: var(--muted); padding: 12px 0; }
`;

/** The whole stylesheet of the page. */
export const DASHBOARD_CSS = BASE_CSS + PICTURES_CSS;
