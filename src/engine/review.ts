// Review before spending (SPEC §11), the engine's side: the estimate of a routed plan with this
// run's prices and limits, and the approval event (the reviewed plan as it is, or an edited one,
// validated as a hand-written plan is, routed and estimated again) and its storing under the
// task's lease.

import { SymbiontError } from '../core/errors.js';
import type { TaskEventBody } from '../core/events.js';
import { estimatePlan, type PlanEstimate } from '../core/plan-estimate.js';
import type { PlanInput } from '../core/plan-schema.js';
import { validatePlan } from '../core/plan-validation.js';
import type { Subtask, Task, TaskSettings, Tier } from '../core/records.js';
import type { Clock } from '../ports/clock.js';
import type { ModelProvider } from '../ports/model-provider.js';
import type { TaskStore } from '../ports/task-store.js';
import type { EventBus } from './event-bus.js';
import type { LeaseKeeper } from './lease-keeper.js';
import { subtasksOfPlan } from './plan-task.js';
import { DEFAULT_SYNTHESIS_TIER } from './synthesis.js';

export interface EstimateSources {
  provider: ModelProvider;
  modelFor(tier: Tier): string;
  maxOutputTokens: number;
}

/** The estimate of `subtasks` (routed) as this task would run them. */
export function estimateSubtasks(
  task: Pick<Task, 'prompt' | 'settings'>,
  subtasks: readonly Subtask[],
  sources: EstimateSources,
): PlanEstimate {
  // The synthesis call as writeAnswer (synthesis.ts) makes it: the same settings and default tier.
  const synthesisTier = task.settings.synthesis_tier ?? DEFAULT_SYNTHESIS_TIER;
  const provider = sources.provider;
  return estimatePlan({
    goal: task.prompt,
    subtasks: subtasks.map((subtask) => {
      const tier = subtask.tier_assigned ?? subtask.tier_hint;
      return {
        index: subtask.index,
        description: subtask.description,
        depends_on: subtask.depends_on,
        tier,
        model: subtask.model ?? sources.modelFor(tier),
      };
    }),
    contextChars: task.settings.context_chars,
    resultCap: task.settings.result_cap,
    maxOutputTokens: sources.maxOutputTokens,
    promptOverheadTokens: provider.callBounds?.promptOverheadTokens ?? 0,
    ...(provider.priceFor ? { priceFor: (model: string) => provider.priceFor?.(model) } : {}),
    synthesis:
      task.settings.synthesis === false
        ? null
        : { tier: synthesisTier, model: sources.modelFor(synthesisTier) },
  });
}

/** The tier-to-model function of a task: its settings' overrides, else the provider's. */
export function modelsOf(settings: TaskSettings, provider: ModelProvider): (tier: Tier) => string {
  return (tier) => settings.models[String(tier) as '1' | '2' | '3'] ?? provider.modelFor(tier);
}

/**
 * The body of `task.approved`: nothing but the approval for the reviewed plan; for an edited
 * plan (validated strictly: INVALID_PLAN, EMPTY_PLAN or PLAN_CYCLE naming the problem), its
 * routed subtasks, reasoning and estimate.
 */
export function approvalBody(
  task: Task,
  edited: PlanInput | undefined,
  sources: EstimateSources,
): Extract<TaskEventBody, { type: 'task.approved' }> {
  if (edited === undefined) return { type: 'task.approved' };
  const plan = validatePlan(edited);
  const subtasks = subtasksOfPlan(task.id, plan, sources.modelFor);
  return {
    type: 'task.approved',
    subtasks,
    reasoning: plan.reasoning,
    warnings: plan.warnings,
    estimate: estimateSubtasks(task, subtasks, sources),
  };
}

/** The task's record when it waits for approval; NOT_FOUND or CONFLICT (naming its status) otherwise. */
export async function awaitingApproval(store: TaskStore, taskId: string): Promise<Task> {
  const task = await store.getTask(taskId);
  if (!task) throw new SymbiontError('NOT_FOUND', `no task ${taskId}`);
  if (task.status !== 'awaiting_approval') {
    throw new SymbiontError('CONFLICT', `task ${taskId} is ${task.status}, not awaiting approval`, {
      context: { status: task.status },
    });
  }
  return task;
}

export interface ApprovalStore {
  store: TaskStore;
  bus: EventBus;
  leases: LeaseKeeper;
  clock: Clock;
}

/**
 * Takes the task's lease and stores the approval, checking again under the lease that the task
 * still waits (a concurrent approver gets CONFLICT). Resolves with the approved record, the
 * lease held for the run that follows; releases it if anything fails.
 */
export async function storeApproval(
  where: ApprovalStore,
  taskId: string,
  body: Extract<TaskEventBody, { type: 'task.approved' }>,
): Promise<Task> {
  if (!(await where.leases.take(taskId))) {
    throw new SymbiontError('CONFLICT', `task ${taskId} is being approved or run by another process`);
  }
  try {
    await awaitingApproval(where.store, taskId);
    const at = new Date(where.clock.now()).toISOString();
    where.bus.publish(await where.store.appendEvents(taskId, [{ ...body, task_id: taskId, at }]));
    return (await where.store.getTask(taskId))!;
  } catch (error) {
    await where.leases.release(taskId);
    throw error;
  }
}
