// The simulated provider's answer text: a short, deterministic echo of the subtask that says how
// many dependency results it was given, padded or cut to `chars=N` when a directive asks.

import { DEPENDENCY_RESULTS_HEADING, SUBTASK_MARKER } from '../../core/subtask-prompt.js';
import { stripDirectives } from './simulated-directives.js';

/** Counts dependency results in a subtask prompt: `### Step` lines between their heading and the marker. */
function dependencyCount(prompt: string): number {
  const marker = prompt.lastIndexOf(SUBTASK_MARKER);
  const heading = prompt.indexOf(DEPENDENCY_RESULTS_HEADING);
  if (marker < 0 || heading < 0 || heading > marker) return 0;
  return prompt.slice(heading, marker).match(/^### Step \d+:/gm)?.length ?? 0;
}

export function answerText(prompt: string, scope: string, chars: number | undefined): string {
  const description = stripDirectives(scope).replace(/\s+/g, ' ').trim().slice(0, 200);
  const dependencies = dependencyCount(prompt);
  const text =
    `[simulated answer] ${description}\n` +
    `This step was given ${dependencies} dependency result${dependencies === 1 ? '' : 's'}. ` +
    "Written by symbiont's offline simulator; no language model was called.";
  if (chars === undefined) return text;
  return text.length >= chars
    ? text.slice(0, chars)
    : (text + ' lorem ipsum'.repeat(Math.ceil(chars / 12))).slice(0, chars);
}
