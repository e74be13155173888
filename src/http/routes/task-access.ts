// Who may see a task, as the task routes answer it: a task that does not exist and a task of
// another owner both get the same 404 (never 403), so a route cannot tell anyone what exists.

import { canSee } from '../auth.js';
import { HttpError } from '../errors.js';
import type { RouteContext } from '../route-types.js';

export function notFound(): HttpError {
  return new HttpError(404, 'NOT_FOUND', 'no such task');
}

/** Throws the 404 unless the task exists (`owner` is not undefined) and the principal may see it. */
export function assertVisible(context: RouteContext, owner: string | null | undefined): void {
  if (owner === undefined || !canSee(context.principal, owner)) throw notFound();
}

/** The task, if it exists and the principal may see it; 404 otherwise. */
export async function visibleTask(context: RouteContext, taskId: string) {
  const task = await context.backend.service.getTaskProgress(taskId);
  if (task === undefined) throw notFound();
  assertVisible(context, task.owner);
  return task;
}
