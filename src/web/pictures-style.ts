// The stylesheet of the dashboard's pictures (graph, timeline, cost line, live text, answer),
// appended to dashboard-style.ts's. SVG is coloured by class here: the page's CSP allows no
// style attributes, and presentation attributes carry only geometry.

// biome-ignore lint/complexity/noUselessStringRaw: raw, so that CSS escapes stay verbatim
export const PICTURES_CSS = String.raw`
h3.picture-title { margin: 16px 0 6px; font-size: 13px; display: flex; gap: 10px; align-items: baseline;
  flex-wrap: wrap; }
.picture { border: 1px solid var(--line); border-radius: 6px; background: var(--bg); overflow: auto;
  max-height: 460px; }
svg.dag { display: block; }
svg.dag g.node { cursor: pointer; outline: none; }
svg.dag g.node rect { fill: var(--panel); stroke: var(--line); stroke-width: 1.2; }
svg.dag g.node rect.stripe { stroke: none; fill: var(--idle); }
svg.dag g.node text { fill: var(--text); font-size: 12px; }
svg.dag g.node text.node-head { font-weight: 600; font-size: 11px; fill: var(--muted); }
svg.dag g.node.status-completed rect.stripe { fill: var(--ok); }
svg.dag g.node.status-executing rect.stripe { fill: var(--run); }
svg.dag g.node.status-executing rect:first-of-type { stroke: var(--run); }
svg.dag g.node.status-queued rect.stripe { fill: #8250df; }
svg.dag g.node.status-failed rect.stripe, svg.dag g.node.status-skipped rect.stripe { fill: var(--bad); }
svg.dag g.node.status-failed rect:first-of-type { stroke: var(--bad); }
svg.dag g.node.status-cancelled rect.stripe { fill: var(--muted); }
svg.dag g.node.critical rect:first-of-type { stroke: var(--crit); stroke-width: 2.4; }
svg.dag g.node.selected rect:first-of-type { fill: var(--selected); }
svg.dag g.node:hover rect:first-of-type, svg.dag g.node:focus rect:first-of-type { fill: var(--selected); }
svg.dag path.edge { fill: none; stroke: var(--idle); stroke-width: 1.4; }
svg.dag path.edge.critical { stroke: var(--crit); stroke-width: 3; }
svg.dag marker.arrow path { fill: var(--idle); }
svg.dag marker.arrow.critical path { fill: var(--crit); }
svg.timeline { display: block; }
svg.timeline .tick { stroke: var(--line); stroke-width: 1; }
svg.timeline .tick-label { fill: var(--muted); font-size: 10px; }
svg.timeline .row-label { fill: var(--muted); font: 11px var(--mono); }
svg.timeline .row-label.critical { fill: var(--crit); font-weight: 700; }
svg.timeline rect.critical-row { fill: var(--crit); opacity: 0.08; }
svg.timeline rect.bar.planning { fill: var(--idle); opacity: 0.6; }
svg.timeline rect.bar.queued { fill: #8250df; opacity: 0.55; }
svg.timeline rect.bar.retry { fill: var(--warn); opacity: 0.8; }
svg.timeline rect.bar.attempt { fill: var(--run); }
svg.timeline rect.bar.outcome-completed { fill: var(--ok); }
svg.timeline rect.bar.outcome-failed { fill: var(--bad); }
svg.timeline rect.bar.outcome-cancelled, svg.timeline rect.bar.outcome-interrupted { fill: var(--muted); }
svg.timeline rect.bar.attempt.critical { stroke: var(--crit); stroke-width: 1.5; }
svg.timeline .now-line { stroke: var(--text); stroke-dasharray: 3 3; }
svg.timeline .planned-line { stroke: var(--muted); stroke-dasharray: 2 4; }
.legend { display: inline-flex; gap: 12px; flex-wrap: wrap; font-weight: 400; }
.legend-item { display: inline-flex; align-items: center; gap: 4px; }
.swatch { display: inline-block; width: 14px; height: 8px; border-radius: 2px; background: var(--run); }
.swatch.queued { background: #8250df; opacity: 0.55; height: 4px; }
.swatch.failed { background: var(--bad); }
.swatch.retry { background: var(--warn); height: 4px; }
.swatch.critical { background: transparent; border: 2px solid var(--crit); }
.cost-fact { display: inline-flex; align-items: center; }
svg.cost-line { display: block; height: 32px; width: 150px; }
svg.cost-line polyline.cost { fill: none; stroke: var(--ok); stroke-width: 2; vector-effect: non-scaling-stroke; }
svg.cost-line line.baseline { stroke: var(--line); vector-effect: non-scaling-stroke; }
#task-answer .answer { margin: 10px 0 4px; padding: 10px 12px; border: 1px solid var(--ok);
  border-radius: var(--radius); background: var(--bg); }
#task-answer h3 { margin: 0 0 4px; font-size: 13px; color: var(--ok); }
#task-answer pre.answer-text { max-height: 260px; background: transparent; padding: 0; font-family: inherit;
  font-size: 14px; }
pre.live-text { border-left: 3px solid var(--run); max-height: 200px; }
li.subtask.focused { outline: 2px solid var(--accent); }
`;
