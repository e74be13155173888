/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The new-task form: a prompt, or a ready plan pasted as JSON; the receipt names the task.

import { type ApiError, postJson } from './api.js';
import { byId, fill, h } from './dom.js';

interface Receipt {
  id: string;
  status: string;
  subtask_count: number;
}

function submitBody(): { prompt: string } | { plan: unknown } {
  const prompt = byId<HTMLTextAreaElement>('prompt-input').value.trim();
  const planText = byId<HTMLTextAreaElement>('plan-input').value.trim();
  if (!planText) {
    if (!prompt) throw new Error('Write a prompt, or paste a plan.');
    return { prompt };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(planText);
  } catch (error) {
    throw new Error(`The plan is not valid JSON: ${(error as Error).message}`);
  }
  const wrapped = parsed as { plan?: unknown } | null;
  const plan = (wrapped && typeof wrapped === 'object' && wrapped.plan ? wrapped.plan : parsed) as Record<
    string,
    unknown
  >;
  if (prompt && plan && typeof plan === 'object' && plan.prompt === undefined) plan.prompt = prompt;
  return { plan };
}

/** Wires the form; `onSubmitted` gets the new task's id. */
export function wireSubmitForm(onSubmitted: (id: string) => void): void {
  byId('submit-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const result = byId('submit-result');
    const button = byId<HTMLButtonElement>('submit-button');
    let body: ReturnType<typeof submitBody>;
    try {
      body = submitBody();
    } catch (error) {
      fill(result, h('div', { class: 'box error', text: (error as Error).message }));
      return;
    }
    button.disabled = true;
    byId('submit-status').textContent = 'Submitting\u2026';
    try {
      const answer = await postJson<Receipt>('tasks?wait=false', body);
      const receipt = answer.body;
      fill(
        result,
        h('div', { class: 'box ok', id: 'submit-receipt' }, [
          h('b', { text: `${answer.status} Accepted` }),
          ' \u00b7 ',
          h('span', { class: 'mono', text: receipt.id }),
          ` \u00b7 status ${receipt.status}${receipt.status === 'planning' ? '' : ` \u00b7 ${receipt.subtask_count} subtasks`}`,
        ]),
      );
      byId<HTMLTextAreaElement>('prompt-input').value = '';
      byId<HTMLTextAreaElement>('plan-input').value = '';
      onSubmitted(receipt.id);
    } catch (error) {
      const failure = error as ApiError;
      fill(
        result,
        h('div', {
          class: 'box error',
          text: `${failure.status ? `${failure.status} ` : ''}${failure.code}: ${failure.message}`,
        }),
      );
    } finally {
      button.disabled = false;
      byId('submit-status').textContent = '';
    }
  });
}
