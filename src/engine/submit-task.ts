// Submitting a task for the TaskManager: the given plan validated, the submission admitted under
// the operator limits (admission.ts), the record created, its lease taken and its run started;
// resolves once the plan is stored (or planning ended the task) unless asked for less.

import { SymbiontError } from '../core/errors.js';
import { type ValidatedPlan, validatePlan } from '../core/plan-validation.js';
import { isFinalTaskStatus, newTaskRecord, type TaskSettings } from '../core/records.js';
import { resolveTaskSettings } from '../core/task-settings.js';
import type { Clock, Entropy } from '../ports/clock.js';
import type { TaskStore } from '../ports/task-store.js';
import type { Admission } from './admission.js';
import type { LeaseKeeper } from './lease-keeper.js';
import type { StartRun } from './runner-start.js';
import type { TaskManagerOptions } from './task-manager-options.js';
import type { SubmitInput, SubmitReceipt } from './task-service.js';

export interface SubmitDeps {
  store: TaskStore;
  clock: Clock;
  entropy: Entropy;
  leases: LeaseKeeper;
  options: Pick<TaskManagerOptions, 'providers'>;
  /** The manager's resolved defaults for every task's settings. */
  defaults: TaskSettings;
  /** Present when operator limits apply. */
  admission: Admission | undefined;
  /** Starts the run of a task whose lease this process holds. */
  startRun: StartRun;
}

export async function submitTask(deps: SubmitDeps, input: SubmitInput): Promise<SubmitReceipt> {
  const plan = input.plan === undefined ? undefined : validatePlan(input.plan);
  const prompt = (input.prompt ?? planPrompt(input.plan) ?? '').trim();
  if (!prompt && !plan) throw new SymbiontError('INVALID_ARGUMENT', 'a task needs a prompt or a plan');
  const owner = input.owner ?? null;
  const admitted = await deps.admission?.admit(
    owner,
    input.settings ?? {},
    deps.defaults,
    plan?.subtasks.length ?? 0,
    deps.clock.now(),
  );
  try {
    return await createAndStart(deps, input, admitted?.settings ?? input.settings, plan, prompt);
  } finally {
    admitted?.release();
  }
}

async function createAndStart(
  deps: SubmitDeps,
  input: SubmitInput,
  overrides: Partial<TaskSettings> | undefined,
  plan: ValidatedPlan | undefined,
  prompt: string,
): Promise<SubmitReceipt> {
  const settings = resolveTaskSettings(overrides, deps.defaults);
  const provider = deps.options.providers(settings.provider);
  const now = new Date(deps.clock.now()).toISOString();
  const task = newTaskRecord({
    id: `compound-${deps.entropy.uuid()}`,
    prompt: prompt || `plan of ${plan?.subtasks.length ?? 0} subtasks`,
    createdAt: now,
    settings,
    owner: input.owner ?? null,
  });
  const review = input.review === true;
  await deps.store.createTask({
    type: 'task.created',
    task: structuredClone(task),
    ...(plan ? { plan } : {}),
    ...(review ? { review } : {}),
    task_id: task.id,
    at: now,
  });
  if (!(await deps.leases.acquire(task.id))) {
    throw new SymbiontError('CONFLICT', `task ${task.id} is leased by another process`);
  }
  const runner = deps.startRun(task, provider, false, { review, ...(plan ? { plan } : {}) });
  if ((input.waitFor ?? 'planned') === 'created') {
    return { id: task.id, status: 'planning', subtask_count: 0 };
  }
  await runner.planned;
  const status = runner.task.status;
  const failedEarly = isFinalTaskStatus(status) || status === 'awaiting_approval';
  return {
    id: task.id,
    status: failedEarly ? status : 'planned',
    subtask_count: runner.task.subtasks.length,
  };
}

function planPrompt(plan: SubmitInput['plan']): string | undefined {
  if (plan && typeof plan === 'object' && typeof plan.prompt === 'string') return plan.prompt;
  return undefined;
}
