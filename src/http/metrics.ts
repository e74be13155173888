// GET /metrics in Prometheus text format: tasks and subtasks by status and their cost (kept
// from task events by task-gauges.ts: a scrape reads no task), provider calls, a call-latency
// histogram and cost (from every ledgered call this process made), HTTP requests and open
// event streams.

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { TaskEvent } from '../core/events.js';
import { SUBTASK_STATUSES, TASK_STATUSES } from '../core/records.js';
import type { TaskService } from '../engine/task-service.js';
import type { LedgerEntry } from '../ports/ledger.js';
import { TaskGauges } from './task-gauges.js';

export interface MetricsOptions {
  service: Pick<TaskService, 'listRecentTasks' | 'getTaskProgress'>;
  /** Subscribes to every ledgered model call; returns the unsubscribe function. */
  observeCalls?: (listener: (entry: LedgerEntry) => void) => () => void;
  /** Every stored task event of this process, which keeps the task gauges current. */
  observeEvents?: (listener: (event: TaskEvent) => void) => () => void;
  /** How many of the most recent tasks in the store the gauges start from. Default 10,000. */
  taskWindow?: number;
}

interface PendingRequests {
  labels: { method: string; route: string; status: string };
  count: number;
}

export class ServerMetrics {
  readonly registry = new Registry();
  readonly sseSubscribers: Gauge;
  private readonly unsubscribe: (() => void) | undefined;
  /** Requests answered since the last scrape, by label set: counting is a map update, not a label hash. */
  private readonly pendingRequests = new Map<string, PendingRequests>();
  private readonly gauges: TaskGauges;

  constructor(options: MetricsOptions) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'symbiont_process_' });
    const pendingRequests = this.pendingRequests;
    new Counter({
      name: 'symbiont_http_requests_total',
      help: 'HTTP requests answered, by route and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
      collect() {
        for (const pending of pendingRequests.values()) {
          if (pending.count === 0) continue;
          this.inc(pending.labels, pending.count);
          pending.count = 0;
        }
      },
    });
    this.sseSubscribers = new Gauge({
      name: 'symbiont_sse_subscribers',
      help: 'Open task event streams.',
      registers,
    });
    const calls = new Counter({
      name: 'symbiont_provider_calls_total',
      help: 'Model calls made by this process (planning included), by provider, model, kind and outcome.',
      labelNames: ['provider', 'model', 'kind', 'success'],
      registers,
    });
    const latency = new Histogram({
      name: 'symbiont_provider_call_duration_seconds',
      help: 'Duration of model calls.',
      labelNames: ['provider', 'kind'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    });
    const callCost = new Counter({
      name: 'symbiont_provider_cost_usd_total',
      help: 'USD cost of the model calls made by this process.',
      labelNames: ['provider', 'model'],
      registers,
    });
    this.unsubscribe = options.observeCalls?.((entry) => {
      calls.inc({
        provider: entry.provider,
        model: entry.model,
        kind: entry.kind,
        success: String(entry.success),
      });
      latency.observe({ provider: entry.provider, kind: entry.kind }, entry.duration_ms / 1000);
      callCost.inc({ provider: entry.provider, model: entry.model }, entry.cost_usd);
    });

    const gauges = new TaskGauges({
      service: options.service,
      observeEvents: options.observeEvents,
      seedWindow: options.taskWindow ?? 10_000,
    });
    this.gauges = gauges;
    const scope = 'the most recent tasks in the store at start, and every task this process ran since';
    new Gauge({
      name: 'symbiont_tasks',
      help: `Tasks by status: ${scope}.`,
      labelNames: ['status'],
      registers,
      collect() {
        const { tasks } = gauges.counts();
        for (const status of TASK_STATUSES) this.set({ status }, tasks[status]);
      },
    });
    new Gauge({
      name: 'symbiont_subtasks',
      help: `Subtasks by status: ${scope}.`,
      labelNames: ['status'],
      registers,
      collect() {
        const { subtasks } = gauges.counts();
        for (const status of SUBTASK_STATUSES) this.set({ status }, subtasks[status]);
      },
    });
    new Gauge({
      name: 'symbiont_tasks_cost_usd',
      help: `Total cost in USD (planning included) of ${scope}.`,
      registers,
      collect() {
        this.set(gauges.counts().cost);
      },
    });
  }

  /** Counts one answered request in symbiont_http_requests_total. */
  countRequest(method: string, route: string, status: number): void {
    const key = `${method} ${route} ${status}`;
    const pending = this.pendingRequests.get(key);
    if (pending) pending.count++;
    else this.pendingRequests.set(key, { labels: { method, route, status: String(status) }, count: 1 });
  }

  async render(): Promise<{ contentType: string; text: string }> {
    // Only the first scrape can wait, for the seed read at start.
    await this.gauges.ready;
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }

  close(): void {
    this.unsubscribe?.();
    this.gauges.close();
  }
}
