// Resuming one unfinished task for the TaskManager (`symbiont resume`, server start): under its
// lease, unless another live process holds it; a task interrupted too often is set aside as
// failed (crash-guard.ts); otherwise `task.resumed` is stored and the run starts again,
// replanning an interrupted planning.

import { isResumableTaskStatus } from '../core/records.js';
import type { Clock } from '../ports/clock.js';
import type { ModelProvider } from '../ports/model-provider.js';
import type { TaskStore } from '../ports/task-store.js';
import { interruptionsOf, setAside } from './crash-guard.js';
import type { EventBus } from './event-bus.js';
import type { LeaseKeeper } from './lease-keeper.js';
import { interruptedPlanning } from './plan-task.js';
import type { Running, StartRun } from './runner-start.js';
import type { TaskManagerOptions } from './task-manager-options.js';

export interface ResumeDeps {
  store: TaskStore;
  bus: EventBus;
  clock: Clock;
  leases: LeaseKeeper;
  options: Pick<TaskManagerOptions, 'providers' | 'maxInterruptions'>;
  running: ReadonlyMap<string, Running>;
  isClosed(): boolean;
  startRun: StartRun;
}

/**
 * True when this process runs the task now (already did, or just took it over); false when it
 * is final or held by another live process, or was set aside.
 */
export async function resumeStoredTask(deps: ResumeDeps, taskId: string): Promise<boolean> {
  const { store, leases, running } = deps;
  if (running.has(taskId)) return true;
  if (deps.isClosed()) return false;
  if (!(await leases.take(taskId))) return false;
  const task = await store.getTask(taskId);
  if (!task || !isResumableTaskStatus(task.status) || running.has(taskId)) {
    if (!running.has(taskId)) await leases.release(taskId);
    return running.has(taskId);
  }
  let provider: ModelProvider;
  try {
    provider = deps.options.providers(task.settings.provider);
  } catch (error) {
    await leases.release(taskId);
    throw error;
  }
  const interruptions = await interruptionsOf(store, taskId).catch(async (error: unknown) => {
    await leases.release(taskId);
    throw error;
  });
  if (interruptions >= (deps.options.maxInterruptions ?? 2)) {
    try {
      deps.bus.publish(await setAside(store, deps.clock, task, interruptions));
    } finally {
      await leases.release(taskId);
    }
    return false;
  }
  // A new run begins (stored before it starts, so that a crash during it counts).
  const resumedAt = new Date(deps.clock.now()).toISOString();
  const marker = await store
    .appendEvents(taskId, [{ type: 'task.resumed', task_id: taskId, at: resumedAt }])
    .catch(async (error: unknown) => {
      await leases.release(taskId);
      throw error;
    });
  deps.bus.publish(marker);
  const planning = task.status === 'planning' ? await interruptedPlanning(store, taskId) : undefined;
  deps.startRun(task, provider, true, {
    ...(planning?.plan ? { plan: planning.plan } : {}),
    ...(planning?.attemptsBefore ? { planAttemptsBefore: planning.attemptsBefore } : {}),
    review: planning?.review === true,
  });
  return true;
}
