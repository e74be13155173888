// `symbiont plan "PROMPT"`: asks the planner and prints the validated plan (the planning call
// is ledgered like any other). `--json` prints it in the plan-file shape `run --plan` takes.

import { Command } from 'commander';
import { withApp } from '../../app/compose.js';
import { addCommonOptions, appConfigFrom, type CommonFlags } from '../cli-options.js';
import { addModelOption, modelsFromFlags } from '../model-flag.js';
import { formatCost } from '../render/format.js';

export function planCommand(): Command {
  const command = new Command('plan')
    .description('plan a prompt into subtasks and print the plan, without running it')
    .argument('<prompt>', 'what to plan')
    .option('--json', 'print the plan as JSON (usable with run --plan)');
  type PlanFlags = CommonFlags & { json?: boolean; model?: string[] };
  return addModelOption(addCommonOptions(command)).action(async (prompt: string, flags: PlanFlags) => {
    const models = modelsFromFlags(flags.model);
    await withApp({ ...appConfigFrom(flags), store: 'memory' }, async (app) => {
      if (app.providerNotice) process.stderr.write(`${app.providerNotice}\n`);
      const plan = await app.service.planOnly(prompt, { models });
      const document = {
        prompt,
        reasoning: plan.reasoning,
        subtasks: plan.subtasks.map(({ index, description, tier_hint, depends_on }) => ({
          index,
          description,
          tier_hint,
          depends_on,
        })),
      };
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
        return;
      }
      const lines = [`Plan (${plan.subtasks.length} subtasks, planning cost ${formatCost(plan.cost)})`];
      if (plan.reasoning) lines.push(`Reasoning: ${plan.reasoning}`);
      for (const warning of plan.warnings) lines.push(`Warning: ${warning}`);
      for (const subtask of plan.subtasks) {
        const after = subtask.depends_on.length ? ` (after ${subtask.depends_on.join(', ')})` : '';
        lines.push(`  ${subtask.index}. [tier ${subtask.tier_hint}] ${subtask.description}${after}`);
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });
  });
}
