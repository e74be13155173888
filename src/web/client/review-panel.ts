/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// A task awaiting approval (SPEC §11): its plan step by step with tier, dependencies and
// estimate, the total estimate (one attempt of each call, as the CLI says), and Approve, Edit
// (the plan as JSON; Save approves the edited plan) and Cancel. The panel keeps its own
// element, so an edit in progress survives the redraws live events cause; a refused plan (422)
// is shown under the edit, which stays as typed.

import type { Task } from '../../core/records.js';
import { fill, h } from './dom.js';
import { moneyRange } from './format.js';
import { estimateOf } from './task-model.js';

export interface ReviewActions {
  /** Approves the task, with an edited plan when given; resolves to an error message or null. */
  approve(taskId: string, plan?: unknown): Promise<string | null>;
  cancel(taskId: string): void;
}

/** The plan as POST /tasks/:id/approve takes it, from the task's steps. */
export function planOf(task: Task): unknown {
  return {
    ...(task.reasoning ? { reasoning: task.reasoning } : {}),
    subtasks: task.subtasks.map((subtask) => ({
      description: subtask.description,
      tier_hint: subtask.tier_hint,
      depends_on: [...subtask.depends_on],
    })),
  };
}

export class ReviewPanel {
  readonly element = h('div', { id: 'review-panel', class: 'box review', hidden: true });
  private taskId: string | null = null;
  private signature = '';
  private editing = false;
  private busy = false;
  private error = '';
  private editor: HTMLTextAreaElement | null = null;
  private lastTask: Task | null = null;

  constructor(private readonly actions: ReviewActions) {}

  update(task: Task): void {
    this.lastTask = task;
    if (task.id !== this.taskId) {
      this.taskId = task.id;
      this.editing = false;
      this.busy = false;
      this.error = '';
      this.editor = null;
      this.signature = '';
    }
    const awaiting = task.status === 'awaiting_approval';
    this.element.hidden = !awaiting;
    if (!awaiting) return;
    const signature = JSON.stringify([task.estimate, planOf(task), this.editing, this.busy, this.error]);
    if (signature === this.signature) return;
    this.signature = signature;
    this.draw(task);
  }

  private draw(task: Task): void {
    const total = estimateOf(task);
    const buttons = h('div', { class: 'review-buttons' }, [
      h('button', {
        type: 'button',
        class: 'primary',
        id: 'approve-button',
        text: 'Approve',
        disabled: this.busy,
        onclick: () => void this.approve(task.id),
      }),
      this.editing
        ? null
        : h('button', {
            type: 'button',
            id: 'edit-button',
            text: 'Edit',
            disabled: this.busy,
            onclick: () => this.startEdit(task),
          }),
      h('button', {
        type: 'button',
        class: 'danger',
        id: 'reject-button',
        text: 'Cancel',
        disabled: this.busy,
        onclick: () => this.actions.cancel(task.id),
      }),
    ]);
    fill(this.element, [
      h('h3', { text: 'Awaiting your approval' }),
      h('div', { id: 'review-estimate' }, [
        'Estimate ',
        h('b', { text: total ? moneyRange(total) : '\u2014' }),
        h('span', { class: 'muted', text: ' (one attempt of each call; planning is already spent)' }),
      ]),
      h(
        'ol',
        { class: 'review-plan', start: 0 },
        task.subtasks.map((subtask) => {
          const estimate = estimateOf(subtask);
          const after = subtask.depends_on.length
            ? `after ${subtask.depends_on.map((index) => `#${index}`).join(', ')}`
            : 'no dependencies';
          return h('li', { dataset: { index: String(subtask.index) } }, [
            h('span', { text: subtask.description }),
            h('span', {
              class: 'small muted',
              text: ` \u00b7 tier ${subtask.tier_assigned ?? subtask.tier_hint} \u00b7 ${after} \u00b7 estimate ${estimate ? moneyRange(estimate) : '\u2014'}`,
            }),
          ]);
        }),
      ),
      this.editing ? this.editBox(task) : null,
      this.error ? h('div', { class: 'box error', id: 'review-error', text: this.error }) : null,
      buttons,
    ]);
  }

  private editBox(task: Task): HTMLElement {
    if (!this.editor) {
      this.editor = h('textarea', { id: 'plan-editor', class: 'code', rows: 12, spellcheck: 'false' });
      this.editor.value = JSON.stringify(planOf(task), null, 2);
    }
    const editor = this.editor;
    return h('div', { class: 'plan-edit' }, [
      editor,
      h('div', { class: 'review-buttons' }, [
        h('button', {
          type: 'button',
          class: 'primary',
          id: 'save-plan-button',
          text: 'Save and approve',
          disabled: this.busy,
          onclick: () => void this.save(task.id, editor.value),
        }),
        h('button', {
          type: 'button',
          text: 'Discard edit',
          disabled: this.busy,
          onclick: () => {
            this.editing = false;
            this.editor = null;
            this.error = '';
            this.redraw(task);
          },
        }),
      ]),
    ]);
  }

  private startEdit(task: Task): void {
    this.editing = true;
    this.redraw(task);
  }

  private redraw(task: Task): void {
    this.signature = '';
    this.update(task);
  }

  private async save(taskId: string, text: string): Promise<void> {
    let plan: unknown;
    try {
      plan = JSON.parse(text);
    } catch (error) {
      this.error = `The plan is not JSON: ${(error as Error).message}`;
      this.refresh();
      return;
    }
    await this.approve(taskId, plan);
  }

  private async approve(taskId: string, plan?: unknown): Promise<void> {
    this.busy = true;
    this.error = '';
    this.refresh();
    const error = await this.actions.approve(taskId, plan);
    if (this.taskId !== taskId) return;
    this.busy = false;
    this.error = error ?? '';
    this.refresh();
  }

  /** Redraws with the task last drawn (the buttons' state changed). */
  private refresh(): void {
    const task = this.lastTask;
    if (task) this.redraw(task);
  }
}
