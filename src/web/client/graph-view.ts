/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The plan's DAG as an SVG graph: a box per step coloured by status, an arrow per dependency,
// the critical path drawn thicker; a click (or Enter) on a step opens its details.

import type { Task } from '../../core/records.js';
import { s } from './dom.js';
import { preview } from './format.js';
import { layoutGraph, NODE_HEIGHT, NODE_WIDTH } from './graph-layout.js';

function arrowMarker(id: string, className: string): SVGMarkerElement {
  return s(
    'marker',
    {
      id,
      class: className,
      viewBox: '0 0 10 10',
      refX: 10,
      refY: 5,
      markerUnits: 'userSpaceOnUse',
      markerWidth: 9,
      markerHeight: 9,
      orient: 'auto-start-reverse',
    },
    s('path', { d: 'M 0 0 L 10 5 L 0 10 z' }),
  );
}

export function renderGraph(
  task: Task,
  now: number,
  selected: number | null,
  onSelect: (index: number) => void,
): SVGSVGElement {
  const layout = layoutGraph(task.subtasks, now);
  const critical = new Set(layout.criticalPath);
  const svg = s('svg', {
    id: 'dag-graph',
    class: 'dag',
    width: layout.width,
    height: layout.height,
    viewBox: `0 0 ${layout.width} ${layout.height}`,
    role: 'img',
    'aria-label': `dependency graph of ${task.subtasks.length} steps; critical path ${layout.criticalPath.map((index) => `#${index}`).join(' \u2192 ')}`,
    dataset: { criticalPath: layout.criticalPath.join(',') },
  });
  svg.appendChild(
    s('defs', null, [arrowMarker('arrow', 'arrow'), arrowMarker('arrow-critical', 'arrow critical')]),
  );
  for (const edge of layout.edges) {
    const from = layout.nodes[edge.from]!;
    const to = layout.nodes[edge.to]!;
    const x1 = from.x + NODE_WIDTH;
    const y1 = from.y + NODE_HEIGHT / 2;
    const x2 = to.x - 2;
    const y2 = to.y + NODE_HEIGHT / 2;
    const bend = Math.max(24, (x2 - x1) / 2);
    svg.appendChild(
      s('path', {
        class: edge.critical ? 'edge critical' : 'edge',
        d: `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}`,
        'marker-end': edge.critical ? 'url(#arrow-critical)' : 'url(#arrow)',
        dataset: { from: String(edge.from), to: String(edge.to), critical: String(edge.critical) },
      }),
    );
  }
  for (const node of layout.nodes) {
    const subtask = task.subtasks[node.index]!;
    const onPath = critical.has(node.index);
    const classes = [
      'node',
      `status-${subtask.status}`,
      onPath ? 'critical' : '',
      selected === node.index ? 'selected' : '',
    ];
    const group = s(
      'g',
      {
        class: classes.filter(Boolean).join(' '),
        transform: `translate(${node.x} ${node.y})`,
        tabindex: 0,
        role: 'button',
        dataset: { index: String(node.index), status: subtask.status, critical: String(onPath) },
        onclick: () => onSelect(node.index),
        onkeydown: (event: Event) => {
          if ((event as KeyboardEvent).key === 'Enter') onSelect(node.index);
        },
      },
      [
        s('title', { text: `#${node.index} ${subtask.status}: ${subtask.description}` }),
        s('rect', { width: NODE_WIDTH, height: NODE_HEIGHT, rx: 7, ry: 7 }),
        s('rect', { class: 'stripe', width: 5, height: NODE_HEIGHT, rx: 2, ry: 2 }),
        s('text', { class: 'node-head', x: 12, y: 17, text: `#${node.index} \u00b7 ${subtask.status}` }),
        s('text', { class: 'node-text', x: 12, y: 34, text: preview(subtask.description, 22) }),
      ],
    );
    svg.appendChild(group);
  }
  return svg;
}
