// The README's provider section, rendered from the registry: the selection order, a table of
// the providers, and per provider what to install or set, every variable it reads with its
// default, its default model per tier and how prices are found. `npm run docs:providers`
// writes it into README.md; test/providers/provider-docs.test.ts fails when the two differ.

import { selectionOrder } from '../../config/provider-selection.js';
import type { EnvVariable, ProviderEntry } from './provider-entry.js';

const START_PREFIX = '<!-- providers:start';
export const DOCS_START = `${START_PREFIX} (generated from src/app/providers/ by \`npm run docs:providers\`; do not edit) -->`;
export const DOCS_END = '<!-- providers:end -->';

function code(text: string): string {
  return `\`${text}\``;
}

function variableTable(variables: readonly EnvVariable[]): string[] {
  return [
    '| Variable | What it sets | Default |',
    '| --- | --- | --- |',
    ...variables.map((variable) => `| ${code(variable.name)} | ${variable.meaning} | ${variable.default} |`),
  ];
}

function defaultModels(entry: ProviderEntry): string {
  const tiers = ([1, 2, 3] as const).map((tier) => entry.defaultModels[tier]);
  if (tiers.every((model) => model === undefined)) return 'none, name them with the variables above';
  return tiers.map((model, index) => `tier ${index + 1} ${model ? code(model) : 'none'}`).join(', ');
}

export function renderProviderDocs(
  providers: readonly ProviderEntry[],
  fallback: string,
  general: readonly EnvVariable[],
): string {
  const rules = selectionOrder(providers);
  const order = [
    '`--provider NAME`',
    '`SYMBIONT_PROVIDER`',
    ...rules.map((entry) => `${code(entry.name)} when ${entry.selection!.when}`),
    `otherwise ${code(fallback)}`,
  ];
  const lines = [
    DOCS_START,
    '',
    `Which provider runs, in order: ${order.join('; ')}. \`symbiont doctor\` says which one a run would use, why, and checks it without spending tokens.`,
    '',
    '| Provider | What it is | Default models (tier 1, 2, 3) |',
    '| --- | --- | --- |',
    ...providers.map(
      (entry) =>
        `| ${code(entry.name)} | ${entry.summary} | ${([1, 2, 3] as const).map((tier) => entry.defaultModels[tier] ?? '-').join(', ')} |`,
    ),
    '',
    'Whatever the provider, symbiont reads:',
    '',
    ...variableTable(general),
  ];
  for (const entry of providers) {
    lines.push('', `### ${code(entry.name)}`, '', entry.setup, '');
    if (entry.env.length > 0) lines.push(...variableTable(entry.env), '');
    lines.push(
      `Default models: ${defaultModels(entry)}. \`--model TIER=NAME\` on \`run\` and \`plan\` picks another for one task.`,
      '',
      `Prices: ${entry.prices}`,
      '',
      `Then run \`symbiont doctor --provider ${entry.name}\` (it spends no tokens).`,
    );
  }
  lines.push('', DOCS_END);
  return lines.join('\n');
}

/** `readme` with its generated block replaced by `block`; throws when the markers are missing. */
export function replaceProviderDocs(readme: string, block: string): string {
  const start = readme.indexOf(START_PREFIX);
  const end = readme.indexOf(DOCS_END);
  if (start < 0 || end < start) throw new Error('README.md has no provider block markers');
  return readme.slice(0, start) + block + readme.slice(end + DOCS_END.length);
}
