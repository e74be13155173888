// The planning phase of a task: the planner's model calls (tier 1, structured output where the
// provider has it), each retried on transient errors, checked against the budget, ledgered as
// `kind: plan` and counted in the task's total cost.

import { Budget } from '../core/budget.js';
import { errorTraits } from '../core/error-traits.js';
import { SymbiontError, toSymbiontError } from '../core/errors.js';
import { PLAN_JSON_SCHEMA } from '../core/plan-schema.js';
import { DEFAULT_MAX_PLANNED_SUBTASKS } from '../core/plan-size.js';
import type { ValidatedPlan } from '../core/plan-validation.js';
import { newSubtaskRecord, newTaskRecord, type Subtask, type TaskSettings } from '../core/records.js';
import type { RetryPolicy } from '../core/retry-policy.js';
import { nextRetry } from '../core/retry-policy.js';
import { applyTaskEvent } from '../core/task-reducer.js';
import type { CallExecutor } from '../ports/call-executor.js';
import type { Clock, Entropy } from '../ports/clock.js';
import type { Ledger } from '../ports/ledger.js';
import type { ModelProvider, TextSink } from '../ports/model-provider.js';
import type { TaskStore } from '../ports/task-store.js';
import { planWithModel } from './planner.js';
import { callRequest, ledgerCall, type RunContext, reserveCall } from './run-context.js';

/** What the streaming planner (early-starts.ts) needs from the planning calls. */
export interface PlanStreamListener {
  /** A planning call starts: where its text goes as it streams. */
  sink(): TextSink;
  /** The streamed answer will not be the plan: cancel what started from it, drop its records. */
  abandon(): Promise<void>;
}

/**
 * `firstAttempt`: the ledger attempt number of the first call (a resumed planning starts
 * later). `listener`: gets each call's text as it streams (the streaming planner).
 */
export async function planTaskWithProvider(
  context: RunContext,
  request: string,
  firstAttempt = 1,
  listener?: PlanStreamListener,
): Promise<ValidatedPlan> {
  const tier = 1 as const;
  const model = context.modelFor(tier);
  let attemptNumber = firstAttempt - 1;
  const reask = listener ? () => listener.abandon() : undefined;
  const limits = { maxSubtasks: context.maxPlannedSubtasks ?? DEFAULT_MAX_PLANNED_SUBTASKS };
  return planWithModel(
    request,
    async (prompt) => {
      for (let tryNumber = 1; ; tryNumber++) {
        const reserved = reserveCall(context, model, tier, prompt);
        if (reserved.kind === 'wait') {
          // Planning calls run one at a time, so nothing is in flight; kept for completeness.
          await context.budget.nextSettle(context.signal);
          tryNumber--;
          continue;
        }
        if (reserved.kind === 'exhausted') {
          throw new SymbiontError('BUDGET_EXHAUSTED', `${reserved.message} (planning could not finish)`);
        }
        const { reservation } = reserved;
        attemptNumber++;
        const call = callRequest(context, reserved, {
          subtaskId: null,
          kind: 'plan',
          attempt: attemptNumber,
          tier,
          model,
          prompt,
        });
        call.jsonSchema = PLAN_JSON_SCHEMA;
        const outcome = await context.executor.execute(call, context.signal, listener?.sink());
        await ledgerCall(context, call, outcome, request);
        context.budget.settle(reservation, outcome.usage.costUsd);
        void context.emit({
          type: 'task.plan_attempted',
          attempt: attemptNumber,
          cost: outcome.usage.costUsd,
          success: outcome.ok,
          error: outcome.ok ? null : outcome.error.message,
        });
        if (outcome.ok) return outcome.text;
        const decision = nextRetry(outcome.error, tryNumber, context.retry, context.entropy.random());
        if (!decision.retry) throw outcome.error;
        await listener?.abandon();
        await context.clock.sleep(decision.delayMs, context.signal);
      }
    },
    limits,
    reask,
  );
}

/**
 * The plan of a run: the given one, else one made by the planner. A planning failure is
 * returned (it ends the task); a fatal one (store or ledger) is thrown. A resumed planning is
 * recorded before any call, so that the next resume knows this run may have ledgered one.
 */
export async function planOrFailure(
  context: RunContext,
  given: { plan?: ValidatedPlan; resumed: boolean; planAttemptsBefore?: number },
  listener?: PlanStreamListener,
): Promise<{ plan: ValidatedPlan; error?: never } | { plan?: never; error: SymbiontError }> {
  if (given.plan) return { plan: given.plan };
  try {
    if (given.resumed) await context.emit({ type: 'task.replanning' });
    const firstAttempt = (given.planAttemptsBefore ?? 0) + 1;
    return { plan: await planTaskWithProvider(context, context.task.prompt, firstAttempt, listener) };
  } catch (error) {
    const failure = toSymbiontError(error);
    if (errorTraits(failure.code).fatal) throw failure;
    return { error: failure };
  }
}

/** The subtask records of a plan, routed: each one's tier is its hint (escalation changes it later). */
export function subtasksOfPlan(
  taskId: string,
  plan: ValidatedPlan,
  modelFor: (tier: Subtask['tier_hint']) => string,
): Subtask[] {
  return plan.subtasks.map((planned) =>
    newSubtaskRecord({
      // Joined rather than concatenated: V8 makes a concatenation this long a two-part
      // string, which it flattens into a second copy the first time the id is serialised
      // (every ledger entry does), and the record keeps both for the task's life.
      id: [taskId, planned.index].join('.'),
      index: planned.index,
      description: planned.description,
      tier_hint: planned.tier_hint,
      tier_assigned: planned.tier_hint,
      model: modelFor(planned.tier_hint),
      depends_on: planned.depends_on,
    }),
  );
}

/**
 * What a resume needs to redo an interrupted planning: whether it was submitted for review and
 * the plan it was submitted with (both stored with `task.created`), else an attempt number no earlier run can have ledgered. Each
 * run may have ledgered one attempt whose `task.plan_attempted` the crash kept from the store;
 * runs are the first plus one per stored `task.replanning`.
 */
export async function interruptedPlanning(
  store: TaskStore,
  taskId: string,
): Promise<{ plan: ValidatedPlan | undefined; attemptsBefore: number; review: boolean }> {
  let plan: ValidatedPlan | undefined;
  let attemptsBefore = 1;
  let review = false;
  for (const event of await store.readEvents(taskId, 0)) {
    if (event.type === 'task.created') {
      plan = event.plan;
      review = event.review === true;
    } else if (event.type === 'task.plan_attempted' || event.type === 'task.replanning') attemptsBefore++;
  }
  return { plan, attemptsBefore, review };
}

export interface PlanWithoutTask {
  /** The id the planning calls are ledgered under. */
  taskId: string;
  request: string;
  settings: TaskSettings;
  provider: ModelProvider;
  executor: CallExecutor;
  ledger: Ledger;
  clock: Clock;
  entropy: Entropy;
  retry: RetryPolicy;
  maxOutputTokens: number;
  maxPlannedSubtasks?: number;
}

/** Plans a request without making it a task (`symbiont plan`); the calls are ledgered. */
export async function planWithoutTask(input: PlanWithoutTask): Promise<ValidatedPlan & { cost: number }> {
  const { settings, provider } = input;
  const now = new Date(input.clock.now()).toISOString();
  const task = newTaskRecord({
    id: input.taskId,
    prompt: input.request,
    createdAt: now,
    settings,
    owner: null,
  });
  const context: RunContext = {
    task,
    provider,
    executor: input.executor,
    ledger: input.ledger,
    clock: input.clock,
    entropy: input.entropy,
    budget: new Budget(settings.budget_usd),
    retry: { ...input.retry, maxAttempts: settings.max_attempts },
    signal: new AbortController().signal,
    emit: async (body) => {
      applyTaskEvent(task, { ...body, task_id: task.id, at: now });
    },
    modelFor: (tier) => settings.models[String(tier) as '1' | '2' | '3'] ?? provider.modelFor(tier),
    maxOutputTokens: input.maxOutputTokens,
    ...(input.maxPlannedSubtasks === undefined ? {} : { maxPlannedSubtasks: input.maxPlannedSubtasks }),
  };
  const plan = await planTaskWithProvider(context, input.request);
  return { ...plan, cost: task.total_cost };
}
