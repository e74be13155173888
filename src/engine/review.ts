// Review before spending (SPEC §11), the engine's side: the estimate of a routed plan with this
// run's prices and limits, and the approval event (the reviewed plan as it is, or an edited one,
// validated as a hand-written plan is, routed and estimated again).

import type { TaskEventBody } from '../core/events.js';
import { estimatePlan, type PlanEstimate } from '../core/plan-estimate.js';
import type { PlanInput } from '../core/plan-schema.js';
import { validatePlan } from '../core/plan-validation.js';
import type { Subtask, Task, TaskSettings, Tier } from '../core/records.js';
import type { ModelProvider } from '../ports/model-provider.js';
import { subtasksOfPlan } from './plan-task.js';

/** The synthesis call's tier (SPEC §10) unless the task's settings name another. */
export const SYNTHESIS_TIER: Tier = 2;

/** The settings the synthesis call reads, where the task's settings have them. */
interface SynthesisSettings {
  provider: string;
  synthesis?: boolean;
  synthesis_tier?: Tier;
}

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
  const synthesisSettings: SynthesisSettings = task.settings;
  const synthesisTier = synthesisSettings.synthesis_tier ?? SYNTHESIS_TIER;
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
    ...(provider.priceFor ? { priceFor: (model: string) => provider.priceFor?.(model) } : {}),
    synthesis:
      synthesisSettings.synthesis === false
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
