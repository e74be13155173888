/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The timeline as SVG: a row per step on one time axis, a bar per attempt (coloured by how it
// ended), the wait for a slot before it and the wait before a retry, the critical path's rows
// marked, and a line at "now" while the task runs.

import type { Task } from '../../core/records.js';
import { s } from './dom.js';
import { duration } from './format.js';
import type { Segment, Timeline } from './timeline-model.js';

const ROW = 24;
const LABEL = 44;
const AXIS = 22;

function niceStep(span: number): number {
  const rough = span / 6;
  for (const step of [
    100, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000,
  ]) {
    if (step >= rough) return step;
  }
  return Math.ceil(rough / 1_800_000) * 1_800_000;
}

function segmentTitle(index: number, segment: Segment, end: number): string {
  const took = duration(end - segment.start);
  if (segment.kind === 'queued') return `#${index} waited ${took} for a slot`;
  if (segment.kind === 'retry') return `#${index} waited ${took} before trying again`;
  const error = segment.error ? `: ${segment.error}` : '';
  return `#${index} attempt ${segment.attempt}, ${segment.outcome} after ${took}${error}`;
}

export function renderTimeline(
  task: Task,
  timeline: Timeline,
  criticalPath: readonly number[],
  now: number,
  width: number,
): SVGSVGElement {
  const end = timeline.end ?? now;
  const span = Math.max(end - timeline.start, 1000);
  const plotWidth = Math.max(width - LABEL - 12, 120);
  const x = (time: number) => LABEL + ((time - timeline.start) / span) * plotWidth;
  // The first row is the planning call(s); one row per step below it.
  const height = AXIS + (task.subtasks.length + 1) * ROW + 4;
  const critical = new Set(criticalPath);
  const svg = s('svg', {
    id: 'timeline',
    class: 'timeline',
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': `timeline of ${task.subtasks.length} steps over ${duration(span)}`,
  });
  const step = niceStep(span);
  for (let tick = 0; tick <= span; tick += step) {
    const at = x(timeline.start + tick);
    svg.appendChild(s('line', { class: 'tick', x1: at, x2: at, y1: AXIS - 4, y2: height }));
    // A label too near the right edge would be cut off.
    if (at < width - 36)
      svg.appendChild(s('text', { class: 'tick-label', x: at + 2, y: 12, text: duration(tick) }));
  }
  if (timeline.plannedAt !== null) {
    const at = x(timeline.plannedAt);
    svg.appendChild(
      s(
        'line',
        { class: 'planned-line', x1: at, x2: at, y1: AXIS - 8, y2: height },
        s('title', { text: 'the plan arrived' }),
      ),
    );
  }
  const planEnd = timeline.plannedAt ?? end;
  svg.appendChild(s('text', { class: 'row-label', x: 4, y: AXIS + 16, text: 'plan' }));
  svg.appendChild(
    s(
      'rect',
      {
        class: 'bar planning',
        x: x(timeline.start),
        y: AXIS + 4,
        width: Math.max(x(planEnd) - x(timeline.start), 2),
        height: 16,
        rx: 3,
      },
      s('title', { text: `planning took ${duration(planEnd - timeline.start)}` }),
    ),
  );
  task.subtasks.forEach((subtask, position) => {
    const top = AXIS + (position + 1) * ROW;
    const onPath = critical.has(subtask.index);
    if (onPath) svg.appendChild(s('rect', { class: 'critical-row', x: 0, y: top, width, height: ROW }));
    svg.appendChild(
      s('text', {
        class: onPath ? 'row-label critical' : 'row-label',
        x: 4,
        y: top + 16,
        text: `#${subtask.index}`,
      }),
    );
    for (const segment of timeline.rows.get(subtask.index) ?? []) {
      const segmentEnd = segment.end ?? end;
      const left = x(segment.start);
      const barWidth = Math.max(x(segmentEnd) - left, 2);
      const kind = segment.kind === 'attempt' ? `attempt outcome-${segment.outcome}` : segment.kind;
      const thin = segment.kind !== 'attempt';
      svg.appendChild(
        s(
          'rect',
          {
            class: `bar ${kind}${onPath ? ' critical' : ''}`,
            x: left,
            y: top + (thin ? 10 : 4),
            width: barWidth,
            height: thin ? 4 : 16,
            rx: thin ? 1 : 3,
            dataset: {
              index: String(subtask.index),
              kind: segment.kind,
              ...(segment.attempt ? { attempt: String(segment.attempt) } : {}),
            },
          },
          s('title', { text: segmentTitle(subtask.index, segment, segmentEnd) }),
        ),
      );
    }
  });
  if (timeline.end === null) {
    const at = x(now);
    svg.appendChild(s('line', { class: 'now-line', x1: at, x2: at, y1: AXIS - 6, y2: height }));
  }
  return svg;
}
