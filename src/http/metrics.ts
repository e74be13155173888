// GET /metrics in Prometheus text format: tasks and subtasks by status (over the most recent
// tasks), provider calls, a call-latency histogram and cost (from every ledgered call this
// process made), HTTP requests and open event streams.

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import {
  isFinalTaskStatus,
  SUBTASK_STATUSES,
  type SubtaskStatus,
  TASK_STATUSES,
  type TaskStatus,
} from '../core/records.js';
import type { TaskService } from '../engine/task-service.js';
import type { LedgerEntry } from '../ports/ledger.js';

export interface MetricsOptions {
  service: Pick<TaskService, 'listRecentTasks' | 'getTaskProgress'>;
  /** Subscribes to every ledgered model call; returns the unsubscribe function. */
  observeCalls?: (listener: (entry: LedgerEntry) => void) => () => void;
  /** How many of the most recent tasks the status gauges cover. Default 10,000. */
  taskWindow?: number;
}

type SubtaskCounts = Record<SubtaskStatus, number>;

interface PendingRequests {
  labels: { method: string; route: string; status: string };
  count: number;
}

function zeroCounts<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;
}

export class ServerMetrics {
  readonly registry = new Registry();
  readonly sseSubscribers: Gauge;
  private readonly unsubscribe: (() => void) | undefined;
  /** Requests answered since the last scrape, by label set: counting is a map update, not a label hash. */
  private readonly pendingRequests = new Map<string, PendingRequests>();
  /** Subtask counts of finished tasks, which never change again. */
  private readonly finishedCounts = new Map<string, SubtaskCounts>();
  private scan:
    | Promise<{ tasks: Record<TaskStatus, number>; subtasks: SubtaskCounts; cost: number }>
    | undefined;

  constructor(private readonly options: MetricsOptions) {
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

    const scanned = () => this.scanTasks();
    new Gauge({
      name: 'symbiont_tasks',
      help: 'Tasks by status, over the most recent tasks in the store.',
      labelNames: ['status'],
      registers,
      async collect() {
        const { tasks } = await scanned();
        for (const status of TASK_STATUSES) this.set({ status }, tasks[status]);
      },
    });
    new Gauge({
      name: 'symbiont_subtasks',
      help: 'Subtasks by status, over the most recent tasks in the store.',
      labelNames: ['status'],
      registers,
      async collect() {
        const { subtasks } = await scanned();
        for (const status of SUBTASK_STATUSES) this.set({ status }, subtasks[status]);
      },
    });
    new Gauge({
      name: 'symbiont_tasks_cost_usd',
      help: 'Total cost in USD (planning included) of the most recent tasks in the store.',
      registers,
      async collect() {
        this.set((await scanned()).cost);
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
    try {
      return { contentType: this.registry.contentType, text: await this.registry.metrics() };
    } finally {
      this.scan = undefined;
    }
  }

  close(): void {
    this.unsubscribe?.();
  }

  /** One scan of the store per scrape, shared by the gauges that need it. */
  private scanTasks() {
    this.scan ??= this.countTasks();
    return this.scan;
  }

  private async countTasks() {
    const tasks = zeroCounts(TASK_STATUSES);
    const subtasks = zeroCounts(SUBTASK_STATUSES);
    let cost = 0;
    const summaries = await this.options.service.listRecentTasks(
      this.options.taskWindow ?? 10_000,
      undefined,
    );
    const seen = new Set<string>();
    for (const summary of summaries) {
      seen.add(summary.id);
      tasks[summary.status]++;
      cost += summary.total_cost;
      const counts = await this.subtaskCounts(summary.id, summary.status);
      for (const status of SUBTASK_STATUSES) subtasks[status] += counts[status];
    }
    for (const id of this.finishedCounts.keys()) if (!seen.has(id)) this.finishedCounts.delete(id);
    return { tasks, subtasks, cost };
  }

  private async subtaskCounts(taskId: string, status: TaskStatus): Promise<SubtaskCounts> {
    const cached = this.finishedCounts.get(taskId);
    if (cached) return cached;
    const counts = zeroCounts(SUBTASK_STATUSES);
    const task = await this.options.service.getTaskProgress(taskId);
    if (task === undefined) return counts;
    for (const subtask of task.subtasks) counts[subtask.status]++;
    if (isFinalTaskStatus(task.status) && isFinalTaskStatus(status)) this.finishedCounts.set(taskId, counts);
    return counts;
  }
}
