// Browser code (as text): folds a task's server-sent events into its record, the same way
// src/core/task-reducer.ts does on the server, so the task view updates from the stream alone
// (task.created carries the first record; every later event changes it in place).

// biome-ignore lint/complexity/noUselessStringRaw: raw, so that browser code keeps any escape it gains verbatim
export const CLIENT_TASK = String.raw`
function addTokens(current, more) {
  if (more === null || more === undefined) return current;
  return (current || 0) + more;
}

/** Applies one event; returns the task (a new one for task.created). Unknown events change nothing. */
function applyEvent(task, event) {
  if (event.type === 'task.created') return structuredClone(event.task);
  if (!task) return task;
  const subtask = typeof event.index === 'number' ? task.subtasks[event.index] : undefined;
  switch (event.type) {
    case 'task.planned':
      task.status = 'planned';
      task.reasoning = event.reasoning;
      task.subtasks = structuredClone(event.subtasks);
      task.warnings = event.warnings.slice();
      task.planned_at = event.at;
      break;
    case 'task.plan_attempted':
      task.total_cost += event.cost;
      break;
    case 'task.replanning':
      task.status = 'planning';
      task.subtasks = [];
      task.reasoning = null;
      task.planned_at = null;
      break;
    case 'task.started':
      task.status = 'executing';
      break;
    case 'task.finished':
      task.status = event.status;
      task.error = event.error;
      task.total_cost = event.total_cost;
      task.completed_at = event.at;
      break;
    default:
      if (subtask) applySubtaskEvent(task, subtask, event);
  }
  return task;
}

function applySubtaskEvent(task, subtask, event) {
  switch (event.type) {
    case 'subtask.routed':
      subtask.tier_assigned = event.tier;
      subtask.model = event.model;
      break;
    case 'subtask.queued':
      subtask.status = 'queued';
      break;
    case 'subtask.started':
      subtask.status = 'executing';
      subtask.attempts = event.attempt;
      subtask.tier_assigned = event.tier;
      subtask.model = event.model;
      if (!subtask.started_at) subtask.started_at = event.at;
      break;
    case 'subtask.attempt_failed':
      subtask.cost = (subtask.cost || 0) + event.cost;
      subtask.input_tokens = addTokens(subtask.input_tokens, event.input_tokens);
      subtask.output_tokens = addTokens(subtask.output_tokens, event.output_tokens);
      subtask.error = event.error;
      task.total_cost += event.cost;
      break;
    case 'subtask.escalated':
      subtask.tier_assigned = event.to_tier;
      subtask.model = event.model;
      break;
    case 'subtask.completed':
      subtask.status = 'completed';
      subtask.result = event.result;
      subtask.error = null;
      subtask.cost = (subtask.cost || 0) + event.cost;
      subtask.input_tokens = addTokens(subtask.input_tokens, event.input_tokens);
      subtask.output_tokens = addTokens(subtask.output_tokens, event.output_tokens);
      subtask.completed_at = event.at;
      task.total_cost += event.cost;
      break;
    case 'subtask.failed':
    case 'subtask.skipped':
      subtask.status = event.type === 'subtask.failed' ? 'failed' : 'skipped';
      subtask.error = event.error;
      subtask.completed_at = event.at;
      break;
    case 'subtask.cancelled':
      subtask.status = 'cancelled';
      subtask.error = subtask.error || 'cancelled';
      subtask.completed_at = event.at;
      break;
    case 'subtask.reset':
      subtask.status = 'pending';
      break;
  }
}

/** Depth of each subtask in the dependency graph (0 for roots), for the tree's indentation. */
function depthsOf(subtasks) {
  const depths = new Array(subtasks.length).fill(-1);
  const visit = (index, trail) => {
    if (depths[index] >= 0) return depths[index];
    if (trail.has(index)) return 0;
    trail.add(index);
    let depth = 0;
    for (const dependency of subtasks[index].depends_on) {
      if (dependency >= 0 && dependency < subtasks.length) depth = Math.max(depth, visit(dependency, trail) + 1);
    }
    trail.delete(index);
    depths[index] = depth;
    return depth;
  };
  for (let index = 0; index < subtasks.length; index++) visit(index, new Set());
  return depths;
}
`;
