// Builds a subtask's prompt (SPEC §3 dependency context): the task's overall goal, each
// direct dependency's result cut to a configured size, and the subtask's own description last,
// after SUBTASK_MARKER (the simulated provider reads its directives only after that marker).
// The parts every subtask of a task repeats (the instructions and the goal) come first: that
// shared prefix is what a provider with prompt caching marks for the cache
// (docs/decisions/prompt-caching.md).

export const SUBTASK_MARKER = '## Your subtask';
const INTRO = 'You are completing one step of a larger task.';
/** Heads the dependency results; each result follows a `### Step <index>: ...` line. */
export const DEPENDENCY_RESULTS_HEADING = '## Results of the steps this one depends on';

export interface DependencyResult {
  index: number;
  description: string;
  result: string;
}

export interface SubtaskPromptInput {
  /** The compound task's prompt: the overall goal. */
  goal: string;
  description: string;
  dependencies: readonly DependencyResult[];
  /** Characters of each dependency result to include. */
  contextChars: number;
}

export function cutText(text: string, limit: number, note = 'cut'): string {
  if (text.length <= limit) return text;
  return `${text.slice(0, limit)}\n[${note}: ${text.length - limit} of ${text.length} characters omitted]`;
}

const GOAL_HEADING = '\n\n## Overall goal\n';

/** The part of every subtask prompt of a task that is the same: the intro and the goal. */
export function sharedSubtaskPrefix(goal: string): string {
  return `${INTRO}${GOAL_HEADING}${goal}`;
}

/** sharedSubtaskPrefix(goal).length, without building it. */
export function sharedSubtaskPrefixChars(goal: string): number {
  return INTRO.length + GOAL_HEADING.length + goal.length;
}

/**
 * The prompt's lines, joined with newlines: the intro, a blank line, the goal heading and the
 * goal; then, when there are dependencies, a blank line and their heading, and for each a blank
 * line, its step line and its result cut to contextChars; then a blank line, the marker and the
 * description. Built by concatenation, not an array of lines and a join: the engine builds
 * one per subtask.
 */
export function buildSubtaskPrompt(input: SubtaskPromptInput): string {
  let prompt = sharedSubtaskPrefix(input.goal);
  const dependencies = input.dependencies;
  if (dependencies.length > 0) {
    prompt += `\n\n${DEPENDENCY_RESULTS_HEADING}`;
    for (let position = 0; position < dependencies.length; position++) {
      const dependency = dependencies[position]!;
      prompt += `\n\n### Step ${dependency.index}: ${dependency.description}\n${cutText(dependency.result, input.contextChars)}`;
    }
  }
  return `${prompt}\n\n${SUBTASK_MARKER}\n${input.description}`;
}
