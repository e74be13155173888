// The task's answer (SPEC §10), decided from how its subtasks ended. Pure: which results the
// answer is made from, whether a synthesis call writes it, that call's prompt, the answer when
// no call is made, and the note that says what is missing from a partial task's answer.

import type { Subtask, Task } from './records.js';
import { cutText, SUBTASK_MARKER } from './subtask-prompt.js';

/** What the synthesis call is asked to do; it follows SUBTASK_MARKER, as a subtask's description does. */
export const SYNTHESIS_INSTRUCTION =
  'Write the final answer to the overall goal from the results above: one coherent answer for ' +
  'the person who asked, not a list of the steps.';
/** Heads the note a partial task's answer ends with. */
export const MISSING_HEADING = 'Missing from this answer';

/** Subtasks no other subtask depends on, in index order. */
export function sinkIndexes(subtasks: readonly Pick<Subtask, 'index' | 'depends_on'>[]): number[] {
  const dependedOn = new Uint8Array(subtasks.length);
  for (const subtask of subtasks) {
    for (const dependency of subtask.depends_on) {
      if (dependency >= 0 && dependency < subtasks.length) dependedOn[dependency] = 1;
    }
  }
  const sinks: number[] = [];
  for (let index = 0; index < subtasks.length; index++) if (dependedOn[index] === 0) sinks.push(index);
  return sinks;
}

/**
 * The completed subtasks the answer is made from: those no completed subtask depends on. For a
 * completed task these are its sinks; for a partial one, the furthest work that was done.
 */
export function answerSources(subtasks: readonly Subtask[]): Subtask[] {
  const covered = new Uint8Array(subtasks.length);
  for (const subtask of subtasks) {
    if (subtask.status !== 'completed') continue;
    for (const dependency of subtask.depends_on) {
      if (dependency >= 0 && dependency < subtasks.length) covered[dependency] = 1;
    }
  }
  return subtasks.filter((subtask) => subtask.status === 'completed' && covered[subtask.index] === 0);
}

/** How the answer is made. */
export type AnswerPlan =
  /** No answer: nothing completed, or the task was cancelled. */
  | { kind: 'none' }
  /** The answer is this text; no call is made. */
  | { kind: 'direct'; answer: string }
  /** One synthesis call writes it from `prompt`; `fallback` is the answer if that call fails. */
  | { kind: 'synthesis'; prompt: string; fallback: string; sources: number[] };

/** `stopped`: the task was cancelled or cannot go on: then it gets no answer. */
export function planAnswer(
  task: Pick<Task, 'prompt' | 'subtasks' | 'settings'>,
  stopped: boolean,
): AnswerPlan {
  if (stopped) return { kind: 'none' };
  const sources = answerSources(task.subtasks);
  if (sources.length === 0) return { kind: 'none' };
  const note = missingNote(task.subtasks);
  if (sources.length === 1) return { kind: 'direct', answer: withNote(sources[0]!.result ?? '', note) };
  const joined = withNote(joinResults(sources), note);
  if (task.settings.synthesis === false) return { kind: 'direct', answer: joined };
  return {
    kind: 'synthesis',
    prompt: synthesisPrompt(task.prompt, sources, task.settings.context_chars, note),
    fallback: joined,
    sources: sources.map((source) => source.index),
  };
}

/** The synthesis call's answer, with the missing-work note of a partial task after it. */
export function synthesizedAnswer(text: string, subtasks: readonly Subtask[]): string {
  return withNote(text.trim(), missingNote(subtasks));
}

/** The answer when the synthesis call failed or the budget left no room for it. */
export function fallbackAnswer(plan: Extract<AnswerPlan, { kind: 'synthesis' }>, reason: string): string {
  return `${plan.fallback}\n\n(The results are shown one by one: ${reason}.)`;
}

/** Results under a heading each: the answer when synthesis is off or could not be made. */
export function joinResults(sources: readonly Subtask[]): string {
  return sources
    .map((source) => `## Step ${source.index}: ${source.description}\n\n${(source.result ?? '').trim()}`)
    .join('\n\n');
}

/**
 * The prompt of the synthesis call: the task's prompt, each source's result cut as dependency
 * context is (context_chars), what is missing, and the instruction after SUBTASK_MARKER.
 */
export function synthesisPrompt(
  goal: string,
  sources: readonly Subtask[],
  contextChars: number,
  note: string | null,
): string {
  let prompt = `You are writing the answer to a task whose steps have been done.\n\n## Overall goal\n${goal}\n\n## Results of the final steps`;
  for (const source of sources) {
    prompt += `\n\n### Step ${source.index}: ${source.description}\n${cutText(source.result ?? '', contextChars)}`;
  }
  if (note !== null) prompt += `\n\n${note}\nAnswer from what was done and say plainly what is missing.`;
  return `${prompt}\n\n${SUBTASK_MARKER}\n${SYNTHESIS_INSTRUCTION}`;
}

/** Names every subtask that did not complete and why; null when all completed. */
export function missingNote(subtasks: readonly Subtask[]): string | null {
  const missing = subtasks.filter((subtask) => subtask.status !== 'completed');
  if (missing.length === 0) return null;
  const done = subtasks.length - missing.length;
  const lines = [
    `## ${MISSING_HEADING}`,
    `${done} of ${subtasks.length} steps completed. Not done:`,
    ...missing.map((subtask) => {
      const why = subtask.error && subtask.error !== subtask.status ? `: ${oneLine(subtask.error)}` : '';
      return `- step ${subtask.index} (${oneLine(subtask.description)}): ${subtask.status}${why}`;
    }),
  ];
  return lines.join('\n');
}

function withNote(text: string, note: string | null): string {
  return note === null ? text : `${text}\n\n${note}`;
}

function oneLine(text: string, limit = 120): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= limit ? flat : `${flat.slice(0, limit - 1)}…`;
}
