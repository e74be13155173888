/**
 * Plans a prompt without running it (`symbiont plan`), routed and estimated as a review would.
 * The planning calls are ledgered under a `plan-<uuid>` id; nothing is stored as a task.
 */
import { SymbiontError } from '../core/errors.js';
import type { PlanEstimate } from '../core/plan-estimate.js';
import type { ValidatedPlan } from '../core/plan-validation.js';
import type { Subtask, TaskSettings } from '../core/records.js';
import type { RetryPolicy } from '../core/retry-policy.js';
import type { CallExecutor } from '../ports/call-executor.js';
import type { Clock, Entropy } from '../ports/clock.js';
import type { ModelProvider } from '../ports/model-provider.js';
import { planWithoutTask, subtasksOfPlan } from './plan-task.js';
import { type EstimateSources, estimateSubtasks } from './review.js';
import type { TaskManagerOptions } from './task-manager-options.js';

export interface PlanOnlyDeps {
  options: TaskManagerOptions;
  clock: Clock;
  entropy: Entropy;
  retry: RetryPolicy;
  maxOutputTokens: number;
  plannedSubtasksLimit: { maxPlannedSubtasks?: number };
  executorFor: (provider: ModelProvider) => CallExecutor;
  estimateSources: (settings: TaskSettings) => EstimateSources;
}

export async function planOnly(
  deps: PlanOnlyDeps,
  prompt: string,
  settings: TaskSettings,
): Promise<ValidatedPlan & { cost: number; estimate: PlanEstimate; routed: Subtask[] }> {
  const request = prompt.trim();
  if (!request) throw new SymbiontError('INVALID_ARGUMENT', 'the prompt is empty');
  const provider = deps.options.providers(settings.provider);
  const taskId = `plan-${deps.entropy.uuid()}`;
  const plan = await planWithoutTask({
    taskId,
    request,
    settings,
    provider,
    executor: deps.executorFor(provider),
    ledger: deps.options.ledger,
    clock: deps.clock,
    entropy: deps.entropy,
    retry: deps.retry,
    maxOutputTokens: deps.maxOutputTokens,
    ...deps.plannedSubtasksLimit,
  });
  const sources = deps.estimateSources(settings);
  const subtasks = subtasksOfPlan(taskId, plan, sources.modelFor);
  const estimate = estimateSubtasks({ prompt: request, settings }, subtasks, sources);
  return { ...plan, estimate, routed: subtasks };
}
