// Approving a task that waits in review (SPEC §11) for the TaskManager, and previewing what an
// edited plan would run: review.ts's estimate, approval body and lease-held storing put together.

import type { PlanEstimate } from '../core/plan-estimate.js';
import type { PlanInput } from '../core/plan-schema.js';
import type { Subtask, TaskSettings } from '../core/records.js';
import type { TaskStore } from '../ports/task-store.js';
import {
  type ApprovalStore,
  approvalBody,
  awaitingApproval,
  type EstimateSources,
  storeApproval,
} from './review.js';
import type { Running, StartRun } from './runner-start.js';
import type { ApproveInput, SubmitReceipt } from './task-service.js';

export interface ApproveDeps extends ApprovalStore {
  /** The runs of this process: a run still ending (its review wait stored) is awaited first. */
  running: ReadonlyMap<string, Running>;
  estimateSources(settings: TaskSettings): EstimateSources;
  startRun: StartRun;
}

/** Stores the approval (of the reviewed plan, or of `input.plan`) and starts the run. */
export async function approveTask(
  deps: ApproveDeps,
  taskId: string,
  input: ApproveInput,
): Promise<SubmitReceipt> {
  await deps.running.get(taskId)?.done.catch(() => undefined);
  const reviewed = await awaitingApproval(deps.store, taskId);
  const sources = deps.estimateSources(reviewed.settings);
  const body = approvalBody(reviewed, input.plan, sources);
  const task = await storeApproval(deps, taskId, body);
  const receipt: SubmitReceipt = { id: taskId, status: task.status, subtask_count: task.subtasks.length };
  deps.startRun(task, sources.provider, false);
  return receipt;
}

/**
 * What approving `taskId` with the edited `plan` would run: its routed subtasks and their
 * estimate, without approving. Plan errors as approveTask's.
 */
export async function previewEdit(
  deps: { store: TaskStore; estimateSources(settings: TaskSettings): EstimateSources },
  taskId: string,
  plan: PlanInput,
): Promise<{ subtasks: Subtask[]; estimate: PlanEstimate }> {
  const reviewed = await awaitingApproval(deps.store, taskId);
  const body = approvalBody(reviewed, plan, deps.estimateSources(reviewed.settings));
  return { subtasks: body.subtasks ?? [], estimate: body.estimate! };
}
