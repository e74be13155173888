// appendEvents throughput of the task stores on a synthetic 10,000-subtask task: four events per
// subtask (routed, queued, started, completed) in engine-like batches of 4-20 events. Prints
// events/s and subtasks/s per store (also for one subtask per batch, the worst case) and writes
// bench/results/store-throughput.json. Not a test.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMemoryStore } from '../src/adapters/stores/memory-store.js';
import { openSqliteStore } from '../src/adapters/stores/sqlite-store.js';
import type { UnsequencedEvent } from '../src/core/events.js';
import type { TaskStore } from '../src/ports/task-store.js';
import { createdEvent, finishedEvent, isoAt, makeTask, plannedEvent } from '../test/stores/task-fixtures.js';
import { RESULTS_DIR } from './results-dir.js';

const SUBTASKS = 10_000;
const REPETITIONS = 3;

export interface StoreThroughput {
  store: string;
  /** Subtasks started and completed per appendEvents call: 1-5 (mixed) or exactly 1. */
  batching: string;
  subtasks: number;
  events: number;
  batches: number;
  seconds: number;
  /** CPU time of this process over the run: on a shared machine, a steadier figure than wall time. */
  cpu_seconds: number;
  events_per_second: number;
  subtasks_per_second: number;
  get_task_ms: number;
  read_events_ms: number;
}

/** Small deterministic generator so that every run appends the same batches. */
function mulberry32(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** Each batch completes the previous group of subtasks and starts the next (1-5 subtasks). */
function engineBatches(taskId: string, largestGroup: number): UnsequencedEvent[][] {
  const random = mulberry32(42);
  const batches: UnsequencedEvent[][] = [];
  let previous: number[] = [];
  let next = 0;
  let second = 10;
  while (next < SUBTASKS || previous.length > 0) {
    const at = isoAt(second++);
    const batch: UnsequencedEvent[] = previous.map((index) => ({
      type: 'subtask.completed',
      task_id: taskId,
      at,
      index,
      result: `result of subtask ${index}: ${'lorem ipsum '.repeat(8)}`,
      cost: 0.0008,
      input_tokens: 420,
      output_tokens: 96,
    }));
    const group: number[] = [];
    const size = 1 + Math.floor(random() * largestGroup);
    for (let count = 0; count < size && next < SUBTASKS; count++) group.push(next++);
    for (const index of group) {
      batch.push(
        { type: 'subtask.routed', task_id: taskId, at, index, tier: 1, model: 'haiku' },
        { type: 'subtask.queued', task_id: taskId, at, index },
        { type: 'subtask.started', task_id: taskId, at, index, attempt: 1, tier: 1, model: 'haiku' },
      );
    }
    batches.push(batch);
    previous = group;
  }
  return batches;
}

async function measure(label: string, store: TaskStore, largestGroup: number): Promise<StoreThroughput> {
  const task = makeTask({ created_at: isoAt(0) });
  await store.createTask(createdEvent(task));
  await store.appendEvents(task.id, [
    plannedEvent(task.id, SUBTASKS, isoAt(1)),
    { type: 'task.started', task_id: task.id, at: isoAt(2), resumed: false },
  ]);
  const batches = engineBatches(task.id, largestGroup);
  const events = batches.reduce((sum, batch) => sum + batch.length, 0);
  const cpuStarted = process.cpuUsage();
  const started = performance.now();
  for (const batch of batches) await store.appendEvents(task.id, batch);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  await store.appendEvents(task.id, [finishedEvent(task.id, isoAt(1e6), 'completed', 8)]);
  const readStarted = performance.now();
  const record = await store.getTask(task.id);
  const getTaskMs = performance.now() - readStarted;
  const eventsStarted = performance.now();
  const stored = await store.readEvents(task.id, 0);
  const readEventsMs = performance.now() - eventsStarted;
  if (record?.subtasks.some((subtask) => subtask.status !== 'completed') || stored.length !== events + 4) {
    throw new Error(`${label}: the store did not keep every event`);
  }
  return {
    store: label,
    batching: largestGroup === 1 ? '1 subtask per batch (4 events)' : `1-${largestGroup} subtasks per batch`,
    subtasks: SUBTASKS,
    events,
    batches: batches.length,
    seconds: Number(seconds.toFixed(3)),
    cpu_seconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(3)),
    events_per_second: Math.round(events / seconds),
    subtasks_per_second: Math.round(SUBTASKS / seconds),
    get_task_ms: Number(getTaskMs.toFixed(1)),
    read_events_ms: Number(readEventsMs.toFixed(1)),
  };
}

function median(runs: StoreThroughput[]): StoreThroughput {
  return [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)]!;
}

export async function runStoreThroughput(): Promise<StoreThroughput[]> {
  const directory = mkdtempSync(join(tmpdir(), 'symbiont-bench-store-'));
  const results: StoreThroughput[] = [];
  try {
    const variants: Array<[string, () => TaskStore]> = [
      ['memory', () => createMemoryStore()],
      ['sqlite (synchronous=NORMAL)', () => openSqliteStore(join(directory, `normal-${Math.random()}.db`))],
      [
        'sqlite (synchronous=FULL)',
        () => openSqliteStore(join(directory, `full-${Math.random()}.db`), { synchronous: 'FULL' }),
      ],
    ];
    for (const largestGroup of [5, 1]) {
      for (const [label, open] of variants) {
        const runs: StoreThroughput[] = [];
        for (let repetition = 0; repetition < REPETITIONS; repetition++) {
          const store = open();
          runs.push(await measure(label, store, largestGroup));
          await store.close();
        }
        results.push(median(runs));
      }
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  return results;
}

async function main(): Promise<void> {
  const results = await runStoreThroughput();
  for (const result of results) {
    console.log(
      `${result.store.padEnd(28)} ${result.batching.padEnd(31)} ` +
        `${String(result.events_per_second).padStart(7)} events/s ` +
        `${String(result.subtasks_per_second).padStart(6)} subtasks/s  (${result.events} events in ` +
        `${result.batches} batches, ${result.seconds} s, cpu ${result.cpu_seconds} s; ` +
        `getTask ${result.get_task_ms} ms, readEvents ${result.read_events_ms} ms)`,
    );
  }
  const output = join(RESULTS_DIR, 'store-throughput.json');
  mkdirSync(dirname(output), { recursive: true });
  const report = { node: process.version, platform: `${process.platform} ${process.arch}`, results };
  writeFileSync(output, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`wrote ${output}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
