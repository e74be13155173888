// The planner's prompt. The user's request sits between PLANNER_REQUEST_OPEN and
// PLANNER_REQUEST_CLOSE so that a provider (the simulator) can find it again.

import { PLAN_JSON_SCHEMA } from './plan-schema.js';

export const PLANNER_REQUEST_OPEN = '<user_request>';
export const PLANNER_REQUEST_CLOSE = '</user_request>';

/** Returns the user's request from a planner prompt, or undefined if it is not one. */
export function requestFromPlannerPrompt(prompt: string): string | undefined {
  const start = prompt.indexOf(PLANNER_REQUEST_OPEN);
  const end = prompt.lastIndexOf(PLANNER_REQUEST_CLOSE);
  if (start < 0 || end < start) return undefined;
  return prompt.slice(start + PLANNER_REQUEST_OPEN.length, end).trim();
}

/** Characters of a rejected answer quoted back to the model in the repair prompt. */
export const REPAIR_ANSWER_CHARS = 4_000;

const PLANNER_INSTRUCTIONS = [
  'You are the planner of a compound task manager. Decompose the user request below into subtasks.',
  '',
  'Rules:',
  '- Each subtask is one self-contained step that one model call can complete. Its description must say',
  '  everything the step needs: the model running it sees only the overall request, that description and',
  '  the results of the subtasks it depends on.',
  '- tier_hint: 1 for cheap, fast work (lookups, formatting, short summaries); 2 for balanced work (most',
  '  writing, analysis and code); 3 only for the hardest steps (deep reasoning, intricate design).',
  '- depends_on lists the 0-based indexes (positions in the subtasks array) of earlier subtasks whose',
  '  results this step needs. Add a dependency only when the step really needs that result: steps without',
  '  dependencies run in parallel, so prefer independent steps.',
  '- No dependency cycles, no dependency of a subtask on itself.',
  '- Use as few subtasks as the request needs; a simple request may be a single subtask.',
  '- reasoning: one or two sentences on how you split the work.',
  '',
  'Answer with ONLY a JSON object (no prose, no code fences) matching this JSON schema:',
];

/** `maxSubtasks`: the plan-size limit, said among the rules when given. */
function plannerHeader(maxSubtasks?: number): string[] {
  const rules =
    maxSubtasks === undefined
      ? PLANNER_INSTRUCTIONS
      : [
          ...PLANNER_INSTRUCTIONS.slice(0, PLANNER_INSTRUCTIONS.length - 2),
          `- At most ${maxSubtasks} subtasks.`,
          ...PLANNER_INSTRUCTIONS.slice(PLANNER_INSTRUCTIONS.length - 2),
        ];
  return [...rules, JSON.stringify(PLAN_JSON_SCHEMA)];
}

/** The request goes last, between the markers, so requestFromPlannerPrompt finds it. */
function requestBlock(request: string): string[] {
  return ['', 'The user request:', PLANNER_REQUEST_OPEN, request, PLANNER_REQUEST_CLOSE];
}

/** The planner's first prompt: instructions, the plan's JSON schema, then the request. */
export function buildPlannerPrompt(request: string, maxSubtasks?: number): string {
  return [...plannerHeader(maxSubtasks), ...requestBlock(request)].join('\n');
}

/**
 * The planner's second (and last) prompt, after an answer that was not a valid plan: the same
 * instructions, the rejected answer (cut, markers neutralised so it cannot hide the request),
 * the error, and the request.
 */
export function buildPlanRepairPrompt(
  request: string,
  previousAnswer: string,
  error: string,
  maxSubtasks?: number,
): string {
  const quoted = neutraliseMarkers(cutAnswer(previousAnswer));
  return [
    ...plannerHeader(maxSubtasks),
    '',
    'Your previous answer was rejected.',
    '',
    'Previous answer:',
    '"""',
    quoted,
    '"""',
    '',
    `Error: ${neutraliseMarkers(error)}`,
    '',
    'Answer again with a corrected JSON object only.',
    ...requestBlock(request),
  ].join('\n');
}

function cutAnswer(answer: string): string {
  if (answer.length <= REPAIR_ANSWER_CHARS) return answer;
  return `${answer.slice(0, REPAIR_ANSWER_CHARS)}\n[cut: ${answer.length - REPAIR_ANSWER_CHARS} of ${answer.length} characters omitted]`;
}

function neutraliseMarkers(text: string): string {
  return text
    .replaceAll(PLANNER_REQUEST_OPEN, '<user-request>')
    .replaceAll(PLANNER_REQUEST_CLOSE, '</user-request>');
}
