/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The cost building up: a small step line of cumulative cost over the task's time.

import type { CostPoint } from './cost-model.js';
import { s } from './dom.js';
import { duration, money } from './format.js';

const WIDTH = 300;
const HEIGHT = 64;
const PAD = 4;

export function renderCostLine(points: readonly CostPoint[], end: number): SVGSVGElement {
  const svg = s('svg', {
    id: 'cost-line',
    class: 'cost-line',
    width: WIDTH,
    height: HEIGHT,
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
  });
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last) return svg;
  const span = Math.max(end - first.at, 1);
  const top = Math.max(last.total, 1e-9);
  const x = (at: number) => PAD + ((at - first.at) / span) * (WIDTH - 2 * PAD);
  const y = (total: number) => HEIGHT - PAD - (total / top) * (HEIGHT - 2 * PAD);
  const coordinates: string[] = [];
  let previous = first;
  for (const point of points) {
    coordinates.push(`${x(point.at)},${y(previous.total)}`, `${x(point.at)},${y(point.total)}`);
    previous = point;
  }
  coordinates.push(`${x(end)},${y(last.total)}`);
  svg.appendChild(
    s('line', { class: 'baseline', x1: PAD, x2: WIDTH - PAD, y1: HEIGHT - PAD, y2: HEIGHT - PAD }),
  );
  svg.appendChild(
    s(
      'polyline',
      { class: 'cost', points: coordinates.join(' '), dataset: { points: String(points.length) } },
      s('title', { text: `${money(last.total)} over ${duration(end - first.at)}` }),
    ),
  );
  return svg;
}
