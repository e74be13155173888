// Progress as plain lines, one per meaningful event, for output that is not a terminal
// (logs, CI, pipes).

import type { TaskEvent } from '../../core/events.js';
import type { Task } from '../../core/records.js';
import { formatCost, oneLine } from './format.js';

export function plainLine(event: TaskEvent, task: Task, startedAt: number): string | undefined {
  const clock = `[+${((Date.parse(event.at) - startedAt) / 1000).toFixed(2)}s]`;
  const describe = (index: number) => oneLine(task.subtasks[index]?.description ?? '', 60);
  switch (event.type) {
    case 'task.planned':
      // A model-made plan's repairs, one line each, before any subtask starts.
      return [
        `${clock} planned ${event.subtasks.length} subtasks${event.warnings.length ? ` (${event.warnings.length} plan warnings)` : ''}`,
        ...event.warnings.map((warning) => `${clock} plan warning: ${warning}`),
      ].join('\n');
    case 'task.plan_attempted':
      return event.success ? undefined : `${clock} planning attempt ${event.attempt} failed: ${event.error}`;
    case 'subtask.started':
      return `${clock} subtask ${event.index} started on ${event.model} (attempt ${event.attempt}): ${describe(event.index)}`;
    case 'subtask.attempt_failed':
      return `${clock} subtask ${event.index} attempt ${event.attempt} of ${task.settings.max_attempts + (task.settings.escalate ? 1 : 0)} failed: ${event.error}${event.retry_in_ms === null ? '' : `; retrying in ${(event.retry_in_ms / 1000).toFixed(1)}s`}`;
    case 'subtask.escalated':
      return `${clock} subtask ${event.index} escalated from tier ${event.from_tier} to tier ${event.to_tier} (${event.model})`;
    case 'subtask.completed':
      return `${clock} subtask ${event.index} completed, ${formatCost(event.cost)}`;
    case 'subtask.failed':
      return `${clock} subtask ${event.index} failed: ${event.error}`;
    case 'subtask.skipped':
      return `${clock} subtask ${event.index} skipped: ${event.error}`;
    case 'subtask.cancelled':
      return `${clock} subtask ${event.index} cancelled`;
    case 'task.answered':
      return `${clock} answer written${event.attempts > 0 ? `, ${formatCost(event.cost)}` : ''}`;
    case 'task.retried':
      return `${clock} retrying ${event.indexes.length ? `subtasks ${event.indexes.join(', ')}` : 'the planning'}`;
    case 'task.finished':
      return `${clock} task ${event.status}, total ${formatCost(event.total_cost)}${event.error ? ` (${event.error})` : ''}`;
    default:
      return undefined;
  }
}
