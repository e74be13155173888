// Task ids people can type: a command that takes a task id accepts any unique prefix of it,
// with or without the `compound-` every id starts with, as git accepts a short commit id.
// An exact id always wins; an ambiguous prefix is refused with the matching tasks listed.

import { SymbiontError } from '../core/errors.js';
import type { TaskStore } from '../ports/task-store.js';
import { oneLine } from './render/format.js';

export const ID_PREFIX = 'compound-';
/** Matches listed when a prefix is ambiguous. */
const SHOWN = 10;

/** The one stored id that `typed` names; NOT_FOUND or INVALID_ARGUMENT (ambiguous) otherwise. */
export async function resolveTaskId(
  store: Pick<TaskStore, 'findTaskIds' | 'getTask'>,
  typed: string,
): Promise<string> {
  const text = typed.trim();
  if (!text) throw new SymbiontError('INVALID_ARGUMENT', 'a task id (or a prefix of one) is needed');
  const prefixes = text.startsWith(ID_PREFIX) ? [text] : [text, ID_PREFIX + text];
  const found = new Set<string>();
  for (const prefix of prefixes) {
    for (const id of await store.findTaskIds(prefix, SHOWN + 1)) found.add(id);
  }
  for (const prefix of prefixes) if (found.has(prefix)) return prefix;
  const ids = [...found].sort();
  if (ids.length === 1) return ids[0]!;
  if (ids.length === 0)
    throw new SymbiontError('NOT_FOUND', `no task ${text}`, { context: { prefix: text } });
  const lines: string[] = [];
  for (const id of ids.slice(0, SHOWN)) {
    const task = await store.getTask(id);
    lines.push(`  ${id}${task ? `  ${task.status.padEnd(9)} ${oneLine(task.prompt, 50)}` : ''}`);
  }
  if (ids.length > SHOWN) lines.push('  ... and more: type more of the id');
  throw new SymbiontError(
    'INVALID_ARGUMENT',
    `task id prefix '${text}' is ambiguous; it matches:\n${lines.join('\n')}`,
    { context: { prefix: text, matches: ids.length } },
  );
}
