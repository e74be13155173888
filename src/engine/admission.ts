// Admission under the operator limits (core/operator-limit-checks.ts): a submission's settings are
// checked and lowered, the owner's spend since UTC midnight is read from the store, and the
// open work (unfinished tasks and their subtasks not yet final) is counted from the tasks this
// process runs or will resume, plus the admissions in flight, so that concurrent submissions
// cannot both take the last place.

import {
  checkOpenWork,
  limitBySpend,
  limitSettings,
  type OpenWork,
  utcMidnight,
} from '../core/operator-limit-checks.js';
import type { OperatorLimits } from '../core/operator-limits.js';
import { isFinalSubtaskStatus, type Task, type TaskSettings } from '../core/records.js';
import type { TaskStore } from '../ports/task-store.js';

/** Summaries read at most to add up one owner's spend of the day. */
const SPEND_SCAN_LIMIT = 10_000;

interface Held {
  owner: string | null;
  subtasks: number;
}

export class Admission {
  private readonly held = new Set<Held>();

  constructor(
    private readonly limits: OperatorLimits,
    private readonly store: TaskStore,
    /** The tasks open in this process now: running, or waiting for a resume slot (record may be unknown). */
    private readonly openTasks: () => Iterable<{ owner: string | null; task?: Task }>,
  ) {}

  /** The largest plan the planner may return, if limited. */
  get maxPlanSubtasks(): number | undefined {
    return this.limits.max_plan_subtasks ?? undefined;
  }

  /**
   * The settings the task gets, or throws NOT_ALLOWED / LIMIT_EXCEEDED. On success the task's
   * place is held until `release` (call it once the task runs, or failed to start).
   */
  async admit(
    owner: string | null,
    requested: Partial<TaskSettings>,
    defaults: TaskSettings,
    planSubtasks: number,
    nowMs: number,
  ): Promise<{ settings: Partial<TaskSettings>; release: () => void }> {
    let settings = limitSettings(this.limits, requested, defaults);
    if (this.limits.daily_spend_usd_per_token !== null) {
      settings = limitBySpend(this.limits, await this.spentSince(owner, utcMidnight(nowMs)), settings);
    }
    // From here to holding the place: no await, so two submissions cannot both pass.
    checkOpenWork(this.limits, this.openWork(owner), planSubtasks);
    const held: Held = { owner, subtasks: planSubtasks };
    this.held.add(held);
    return { settings, release: () => this.held.delete(held) };
  }

  /** Spend of the owner's tasks created since `since` (newest first, so the scan stops there). */
  private async spentSince(owner: string | null, since: string): Promise<number> {
    let spent = 0;
    for (const summary of await this.store.listTasks({ limit: SPEND_SCAN_LIMIT, owner })) {
      if (summary.created_at < since) break;
      spent += summary.total_cost;
    }
    return spent;
  }

  private openWork(owner: string | null): OpenWork {
    const open: OpenWork = { ownerTasks: 0, allTasks: 0, ownerQueuedSubtasks: 0, allQueuedSubtasks: 0 };
    const count = (taskOwner: string | null, subtasks: number) => {
      open.allTasks++;
      open.allQueuedSubtasks += subtasks;
      if (taskOwner === owner) {
        open.ownerTasks++;
        open.ownerQueuedSubtasks += subtasks;
      }
    };
    for (const { owner: taskOwner, task } of this.openTasks()) {
      let queued = 0;
      for (const subtask of task?.subtasks ?? []) if (!isFinalSubtaskStatus(subtask.status)) queued++;
      count(taskOwner, queued);
    }
    for (const held of this.held) count(held.owner, held.subtasks);
    return open;
  }
}
