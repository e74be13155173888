// When a task may start another subtask, besides slots: not while its top-ranked subtask
// waits for budget (until a call in flight settles), and not while the first call of a
// cacheable fan-out writes the prompt cache (until that call returns). The runner asks
// `canStart` from dispatch and pumps when `onOpen` fires.

import type { Budget } from '../core/budget.js';
import type { Subtask, Task, Tier } from '../core/records.js';
import { sharedSubtaskPrefixChars } from '../core/subtask-prompt.js';
import type { ModelProvider } from '../ports/model-provider.js';

/** Characters per token assumed when judging whether a prefix is long enough to be cached. */
const PREFIX_CHARS_PER_TOKEN = 4;

export class StartGate {
  /** The budget's settle count when the top-ranked subtask was told to wait; undefined: none waits. */
  private budgetWaitAt: number | undefined;
  /**
   * Prompt-cache warm-up: the first subtask call runs alone when its shared prefix is long
   * enough to be cached, so the others read the cache it wrote (docs/decisions/prompt-caching.md).
   */
  private warmup: 'pending' | 'running' | 'done' = 'pending';
  private readonly unsubscribe: () => void;

  constructor(
    private readonly budget: Budget,
    private readonly task: Task,
    private readonly provider: ModelProvider,
    private readonly modelFor: (tier: Tier) => string,
    /** Called when the gate may have opened: dispatch should try to start subtasks. */
    private readonly onOpen: () => void,
  ) {
    this.unsubscribe = budget.onSettle(() => {
      if (this.budgetWaitAt === undefined && this.warmup !== 'running') return;
      this.budgetWaitAt = undefined;
      if (this.warmup === 'running') this.warmup = 'done';
      this.onOpen();
    });
  }

  canStart(): boolean {
    return (
      this.warmup !== 'running' &&
      (this.budgetWaitAt === undefined || this.budgetWaitAt !== this.budget.settleCount)
    );
  }

  /**
   * The top-ranked subtask's call did not fit when the budget's settle count was `settleCount`:
   * no new start until a reservation settles after that (at once if one already has).
   */
  waitForBudget(settleCount: number): void {
    this.budgetWaitAt = settleCount;
  }

  /** A subtask is starting: the first one holds the others back if its prefix will be cached. */
  starting(subtask: Subtask, othersReady: number): void {
    if (this.warmup !== 'pending') return;
    const cache = this.provider.promptCache;
    const model = subtask.model ?? this.modelFor(subtask.tier_assigned ?? subtask.tier_hint);
    const prefixTokens = Math.floor(sharedSubtaskPrefixChars(this.task.prompt) / PREFIX_CHARS_PER_TOKEN);
    const cacheable = cache !== undefined && prefixTokens >= cache.minPrefixTokens(model);
    this.warmup = cacheable && othersReady > 0 ? 'running' : 'done';
  }

  /** A subtask ended (its call returned, or it never made one): the warm-up is over. */
  ended(): void {
    if (this.warmup === 'running') this.warmup = 'done';
  }

  close(): void {
    this.unsubscribe();
  }
}
