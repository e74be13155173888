// The simulated provider's planner: splits a request into steps by its structure, with rules
// simple enough to predict from the text alone (tests and benchmarks write prompts for them).
//
// Rules:
// - Directive blocks `[[sim ...]]` are never split; each stays in the step it was written in
//   (a block standing alone joins the step before it, or the first step). Planning keys
//   (plan, plan_fail_first, plan_fail, plan_latency) are removed from the steps.
// - A request with list lines (`1.`, `1)`, `-`, `*`, `+`, `•`) gives one step per item; an
//   indented line under an item continues it. Other lines around the list are split into
//   sentences, and a sentence ending with ':' (an introduction such as "Do this:") is dropped.
// - Otherwise the request is split into sentences (at . ! ? before a capital letter, a digit,
//   a quote or a directive, and at line breaks), and each sentence at ", then", "; then" and
//   " and then ". A single sentence gives a one-step plan.
// - "then" makes a step wait: a step that starts with "then" (or follows one of those splits)
//   depends on every step since the previous "then" step, itself included; for the first such
//   step, on every step before it. Steps without "then" are independent. Nothing is added.
//   "A. B. Then C." gives C depends on A and B; "A, then B, then C" gives a chain.
// - tier_hint: a `[[sim tier=N]]` directive; else 3 for design, architect, prove, research,
//   deep(ly), in depth; else 1 for list, extract, format, summarize, convert, count, rename,
//   translate, classify; else 2.

import type { Tier } from '../../core/records.js';
import { DIRECTIVE_PATTERN, PLAN_KEYS, parseDirectives, stripDirectives } from './simulated-directives.js';

export interface SimulatedPlanStep {
  description: string;
  tier_hint: Tier;
  depends_on: number[];
}

export interface SimulatedPlan {
  reasoning: string;
  subtasks: SimulatedPlanStep[];
}

interface Fragment {
  text: string;
  /** Whether "then" marks this fragment as waiting for the steps before it. */
  waits: boolean;
}

// Private-use characters stand in for directive blocks while the text is split.
const PLACEHOLDER = /\uE000(\d+)\uE001/g;
const LIST_ITEM = /^\s*(?:\d+[.)]|[-*+•])\s+(.*)$/;
const SENTENCE_BREAK = /(?<=[.!?])\s+(?=[A-Z0-9"'(\uE000])/;
const INLINE_THEN = /\s*[,;]\s*then\s+|\s+and\s+then\s+/i;
const STARTS_WITH_THEN = /^(?:and\s+)?then\b[\s,]*/i;
const TIER_3_WORDS = /\b(?:design\w*|architect\w*|prove|proofs?|research\w*|deep|deeply|in[- ]depth)\b/i;
const TIER_1_WORDS =
  /\b(?:list|lists|extract\w*|format\w*|summari[sz]e\w*|summary|convert\w*|count\w*|rename\w*|translate\w*|classify\w*)\b/i;

/** Builds the plan for a request (directives included); `cycle` makes steps 0 and 1 wait on each other. */
export function planRequest(request: string, options: { cycle: boolean }): SimulatedPlan {
  const blocks: string[] = [];
  const protectedText = stripDirectives(request, PLAN_KEYS).replace(DIRECTIVE_PATTERN, (block) => {
    blocks.push(block);
    return `\uE000${blocks.length - 1}\uE001`;
  });
  const { fragments, structure } = splitIntoFragments(protectedText);
  const merged = mergeDirectiveOnlyFragments(fragments);
  const restore = (text: string) =>
    text.replace(PLACEHOLDER, (_, index: string) => blocks[Number(index)] ?? '');
  const subtasks = withDependencies(merged).map(({ fragment, dependsOn }) => {
    const description = restore(fragment.text);
    return { description, tier_hint: tierHint(description), depends_on: dependsOn };
  });
  if (options.cycle) makeCycle(subtasks);
  const count = subtasks.length;
  const reasoning =
    `Simulated planner (no model was called): ${count} step${count === 1 ? '' : 's'} from the request's ` +
    `${structure}; a step that says "then" waits for the steps before it.`;
  return { reasoning, subtasks };
}

function splitIntoFragments(text: string): { fragments: Fragment[]; structure: string } {
  const lines = text.split(/\r?\n/);
  if (!lines.some((line) => LIST_ITEM.test(line))) {
    return { fragments: lines.flatMap(sentenceFragments), structure: 'sentences' };
  }
  const fragments: Fragment[] = [];
  let currentItem: Fragment | undefined;
  for (const line of lines) {
    const item = LIST_ITEM.exec(line);
    if (item !== null) {
      currentItem = thenFragment(item[1] ?? '');
      fragments.push(currentItem);
    } else if (line.trim() === '') {
      currentItem = undefined;
    } else if (currentItem !== undefined && /^\s/.test(line)) {
      currentItem.text = `${currentItem.text} ${line.trim()}`;
    } else {
      currentItem = undefined;
      fragments.push(...sentenceFragments(line).filter((fragment) => !fragment.text.endsWith(':')));
    }
  }
  return { fragments, structure: 'list items' };
}

function sentenceFragments(line: string): Fragment[] {
  const fragments: Fragment[] = [];
  for (const sentence of line.trim().split(SENTENCE_BREAK)) {
    sentence.split(INLINE_THEN).forEach((part, position) => {
      const fragment = position === 0 ? thenFragment(part) : { text: capitalise(part.trim()), waits: true };
      if (fragment.text !== '') fragments.push(fragment);
    });
  }
  return fragments;
}

function thenFragment(text: string): Fragment {
  const trimmed = text.trim();
  return { text: trimmed, waits: STARTS_WITH_THEN.test(trimmed) };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A fragment that is only directives joins the step before it (or the first step). */
function mergeDirectiveOnlyFragments(fragments: Fragment[]): Fragment[] {
  const merged: Fragment[] = [];
  let pending = '';
  for (const fragment of fragments) {
    const isDirectiveOnly = fragment.text.replace(PLACEHOLDER, '').replace(/[\s.,;!?]/g, '') === '';
    const previous = merged.at(-1);
    if (!isDirectiveOnly) {
      merged.push({
        text: pending === '' ? fragment.text : `${fragment.text} ${pending}`,
        waits: fragment.waits,
      });
      pending = '';
    } else if (previous !== undefined) {
      previous.text = `${previous.text} ${fragment.text}`;
    } else {
      pending = `${pending} ${fragment.text}`.trim();
    }
  }
  return merged;
}

function withDependencies(fragments: Fragment[]): { fragment: Fragment; dependsOn: number[] }[] {
  let stageStart = 0;
  return fragments.map((fragment, index) => {
    if (!fragment.waits || index === 0) return { fragment, dependsOn: [] };
    const dependsOn = range(stageStart, index);
    stageStart = index;
    return { fragment, dependsOn };
  });
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, offset) => from + offset);
}

function tierHint(description: string): Tier {
  const directed = parseDirectives(description).tier;
  if (directed !== undefined) return directed;
  const words = stripDirectives(description);
  if (TIER_3_WORDS.test(words)) return 3;
  if (TIER_1_WORDS.test(words)) return 1;
  return 2;
}

function makeCycle(subtasks: SimulatedPlanStep[]): void {
  if (subtasks.length < 2) {
    subtasks.push({ description: 'Check the previous step', tier_hint: 1, depends_on: [] });
  }
  const [first, second] = subtasks as [SimulatedPlanStep, SimulatedPlanStep];
  first.depends_on = [...new Set([...first.depends_on, 1])];
  second.depends_on = [...new Set([...second.depends_on, 0])];
}
