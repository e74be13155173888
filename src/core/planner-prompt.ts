// The planner's prompt. The user's request sits between PLANNER_REQUEST_OPEN and
// PLANNER_REQUEST_CLOSE so that a provider (the simulator) can find it again.

export const PLANNER_REQUEST_OPEN = '<user_request>';
export const PLANNER_REQUEST_CLOSE = '</user_request>';

/** Returns the user's request from a planner prompt, or undefined if it is not one. */
export function requestFromPlannerPrompt(prompt: string): string | undefined {
  const start = prompt.indexOf(PLANNER_REQUEST_OPEN);
  const end = prompt.lastIndexOf(PLANNER_REQUEST_CLOSE);
  if (start < 0 || end < start) return undefined;
  return prompt.slice(start + PLANNER_REQUEST_OPEN.length, end).trim();
}
