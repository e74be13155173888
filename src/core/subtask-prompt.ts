// Builds a subtask's prompt (SPEC §3 dependency context): the task's overall goal, each
// direct dependency's result cut to a configured size, and the subtask's own description last,
// after SUBTASK_MARKER (the simulated provider reads its directives only after that marker).

export const SUBTASK_MARKER = '## Your subtask';
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

export function buildSubtaskPrompt(input: SubtaskPromptInput): string {
  const parts = ['You are completing one step of a larger task.', '', '## Overall goal', input.goal];
  if (input.dependencies.length > 0) {
    parts.push('', DEPENDENCY_RESULTS_HEADING);
    for (const dependency of input.dependencies) {
      parts.push(
        '',
        `### Step ${dependency.index}: ${dependency.description}`,
        cutText(dependency.result, input.contextChars),
      );
    }
  }
  parts.push('', SUBTASK_MARKER, input.description);
  return parts.join('\n');
}
