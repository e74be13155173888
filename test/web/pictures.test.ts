import { describe, expect, it } from 'vitest';
import type { Subtask } from '../../src/core/records.js';
import { costSeries } from '../../src/web/client/cost-model.js';
import { criticalPathOf, depthsOf, layoutGraph } from '../../src/web/client/graph-layout.js';
import type { WireEvent } from '../../src/web/client/task-model.js';
import { attemptCount, buildTimeline } from '../../src/web/client/timeline-model.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

function step(index: number, dependsOn: number[], times?: [number, number]): Subtask {
  return {
    id: `t-${index}`,
    index,
    description: `step ${index}`,
    tier_hint: 1,
    depends_on: dependsOn,
    status: times ? 'completed' : 'pending',
    tier_assigned: 1,
    model: 'haiku',
    result: null,
    error: null,
    cost: null,
    input_tokens: null,
    output_tokens: null,
    attempts: times ? 1 : 0,
    started_at: times ? at(times[0]) : null,
    completed_at: times ? at(times[1]) : null,
    estimate: null,
  };
}

let seq = 0;
const event = (ms: number, type: string, fields: Record<string, unknown> = {}): WireEvent => ({
  type,
  seq: ++seq,
  task_id: 't',
  at: at(ms),
  ...fields,
});

describe('the DAG picture', () => {
  it('puts each step one column right of its deepest dependency', () => {
    expect(
      depthsOf([{ depends_on: [] }, { depends_on: [0] }, { depends_on: [0, 1] }, { depends_on: [] }]),
    ).toEqual([0, 1, 2, 0]);
  });

  it('draws one edge per dependency and follows the longest chain by actual duration', () => {
    // 0 -> 1 -> 3 takes 100 + 900 + 100; 0 -> 2 -> 3 takes 100 + 200 + 100.
    const subtasks = [
      step(0, [], [0, 100]),
      step(1, [0], [100, 1000]),
      step(2, [0], [100, 300]),
      step(3, [1, 2], [1000, 1100]),
      step(4, [], [0, 50]),
    ];
    const layout = layoutGraph(subtasks, T0 + 2000);
    expect(layout.edges.map((edge) => `${edge.from}->${edge.to}`).sort()).toEqual([
      '0->1',
      '0->2',
      '1->3',
      '2->3',
    ]);
    expect(layout.criticalPath).toEqual([0, 1, 3]);
    expect(layout.edges.filter((edge) => edge.critical).map((edge) => `${edge.from}->${edge.to}`)).toEqual([
      '0->1',
      '1->3',
    ]);
    expect(layout.nodes.map((node) => node.depth)).toEqual([0, 1, 1, 2, 0]);
    // Steps of one column never overlap.
    const column1 = layout.nodes.filter((node) => node.depth === 1).map((node) => node.y);
    expect(new Set(column1).size).toBe(2);
  });

  it('weighs steps without times by tier until they have run', () => {
    expect(criticalPathOf([[], [0], [0]], [1, 1, 4])).toEqual([0, 2]);
  });
});

describe('the timeline', () => {
  it('has one bar per attempt, the wait for a slot before it and the wait before a retry', () => {
    const events = [
      event(0, 'task.created'),
      event(10, 'task.planned'),
      event(20, 'subtask.queued', { index: 0 }),
      event(30, 'subtask.started', { index: 0, attempt: 1 }),
      event(200, 'subtask.attempt_failed', {
        index: 0,
        attempt: 1,
        error: 'server error',
        cost: 0.001,
        retry_in_ms: 100,
      }),
      event(300, 'subtask.started', { index: 0, attempt: 2 }),
      event(500, 'subtask.completed', { index: 0, cost: 0.002 }),
      event(510, 'subtask.queued', { index: 1 }),
      event(520, 'subtask.started', { index: 1, attempt: 1 }),
      event(600, 'subtask.attempt_failed', {
        index: 1,
        attempt: 1,
        error: 'bad',
        cost: 0,
        retry_in_ms: null,
      }),
      event(601, 'subtask.failed', { index: 1, error: 'bad' }),
      event(700, 'task.finished', { status: 'partial', total_cost: 0.003 }),
    ];
    const timeline = buildTimeline(events, 0);
    expect(attemptCount(timeline)).toBe(3);
    expect(
      timeline.rows
        .get(0)
        ?.map((segment) => `${segment.kind}:${segment.outcome ?? ''}:${segment.end! - segment.start}`),
    ).toEqual(['queued::10', 'attempt:failed:170', 'retry::100', 'attempt:completed:200']);
    // A final failure opens no retry wait.
    expect(timeline.rows.get(1)?.map((segment) => segment.kind)).toEqual(['queued', 'attempt']);
    expect(timeline.end).toBe(T0 + 700);

    const cost = costSeries(events);
    expect(cost.map((point) => point.total)).toEqual([0, 0.001, 0.003, 0.003, 0.003]);
  });

  it('leaves an attempt open while it runs', () => {
    const timeline = buildTimeline(
      [event(0, 'task.created'), event(5, 'subtask.started', { index: 0, attempt: 1 })],
      0,
    );
    expect(timeline.rows.get(0)).toEqual([
      { kind: 'attempt', start: T0 + 5, end: null, attempt: 1, outcome: 'running' },
    ]);
    expect(timeline.end).toBeNull();
  });
});
