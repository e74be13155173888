// `symbiont plan "PROMPT"`: asks the planner and prints the validated plan and its cost
// estimate (the planning call is ledgered like any other). `--json` prints it in the plan-file shape `run --plan` takes.
// `symbiont plan --plan FILE` checks a plan file as `run --plan` would, without running it (no
// model call): exit 0 and the plan, or exit 2 naming the problem.

import { Command } from 'commander';
import { withApp } from '../../app/compose.js';
import { SymbiontError } from '../../core/errors.js';
import type { ValidatedPlan } from '../../core/plan-validation.js';
import { addCommonOptions, appConfigFrom, type CommonFlags } from '../cli-options.js';
import { addModelOption, modelsFromFlags } from '../model-flag.js';
import { readPlanFile } from '../plan-file.js';
import { renderEstimate } from '../render/estimate.js';
import { formatCost } from '../render/format.js';
import { estimatedLines } from '../review-prompt.js';

type PlanFlags = CommonFlags & { json?: boolean; plan?: string; model?: string[] };

/** The plan in the plan-file shape `run --plan` takes. */
function planDocument(prompt: string | undefined, plan: ValidatedPlan) {
  return {
    ...(prompt === undefined ? {} : { prompt }),
    reasoning: plan.reasoning,
    subtasks: plan.subtasks.map(({ index, description, tier_hint, depends_on }) => ({
      index,
      description,
      tier_hint,
      depends_on,
    })),
  };
}

function printPlan(plan: ValidatedPlan, heading: string, document: unknown, json: boolean | undefined): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    return;
  }
  const lines = [heading];
  if (plan.reasoning) lines.push(`Reasoning: ${plan.reasoning}`);
  for (const warning of plan.warnings) lines.push(`Warning: ${warning}`);
  for (const subtask of plan.subtasks) {
    const after = subtask.depends_on.length ? ` (after ${subtask.depends_on.join(', ')})` : '';
    lines.push(`  ${subtask.index}. [tier ${subtask.tier_hint}] ${subtask.description}${after}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function planCommand(): Command {
  const command = new Command('plan')
    .description('plan a prompt into subtasks and print the plan, without running it')
    .argument('[prompt]', 'what to plan')
    .option('--plan <file>', 'check this plan file as run --plan would, and print it (no model call)')
    .option('--json', 'print the plan as JSON (usable with run --plan)');
  return addModelOption(addCommonOptions(command)).action(
    async (prompt: string | undefined, flags: PlanFlags) => {
      const models = modelsFromFlags(flags.model);
      if (flags.plan !== undefined) {
        if (prompt !== undefined)
          throw new SymbiontError('INVALID_ARGUMENT', 'give a PROMPT or --plan FILE, not both');
        const { plan } = readPlanFile(flags.plan);
        const heading = `Plan file ${flags.plan}: valid (${plan.subtasks.length} subtasks)`;
        printPlan(plan, heading, planDocument(plan.prompt, plan), flags.json);
        return;
      }
      if (!prompt?.trim()) throw new SymbiontError('INVALID_ARGUMENT', 'plan needs a PROMPT or --plan FILE');
      await withApp({ ...appConfigFrom(flags), store: 'memory' }, async (app) => {
        if (app.providerNotice) process.stderr.write(`${app.providerNotice}\n`);
        const plan = await app.service.planOnly(prompt, { models });
        const heading = `Plan (${plan.subtasks.length} subtasks, planning cost ${formatCost(plan.cost)})`;
        printPlan(plan, heading, planDocument(prompt, plan), flags.json);
        // The same estimate `run --review` shows; on stderr with --json, which stays a plan file.
        const estimate = renderEstimate(estimatedLines(plan.routed), plan.estimate);
        (flags.json ? process.stderr : process.stdout).write(`${estimate}\n`);
      });
    },
  );
}
