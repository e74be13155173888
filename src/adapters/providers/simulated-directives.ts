// Reads the simulated provider's `[[sim key=value ...]]` directives out of a prompt, so that
// tests and benchmarks can set latency, token counts and failures from the prompt alone.
// Unknown keys and bad values are a non-retryable error that names them: a typo must not pass.
// Every value is bounded (DIRECTIVE_LIMITS): the simulator is served to API users, and one
// prompt must not be able to make it build a gigabyte answer or sleep for a day.

import { SymbiontError } from '../../core/errors.js';
import type { Tier } from '../../core/records.js';
import { SUBTASK_MARKER } from '../../core/subtask-prompt.js';

/** One directive block, e.g. `[[sim latency=250 tokens=900]]`. Values hold no spaces. */
export const DIRECTIVE_PATTERN = /\[\[sim(?:\s[^\]]*)?\]\]/g;

export const FAILURE_KINDS = [
  'error',
  'garbage',
  'hang',
  'rate_limit',
  'overload',
  'server_error',
  'fatal',
] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

export interface SimulatedDirectives {
  /** `latency=MS`: the call's latency before scaling, instead of the tier's range. */
  latencyMs?: number;
  /** `tokens=N`: output tokens reported. */
  outputTokens?: number;
  /** `chars=N`: the answer is padded or cut to exactly N characters. */
  chars?: number;
  /** `fail=KIND`: always fail this way, or the kind used by fail_first / fail_tier. */
  fail?: FailureKind;
  /** `retry_after=MS`: retryAfterMs of a rate_limit or overload failure (not scaled). */
  retryAfterMs?: number;
  /** `fail_first=N`: fail the first N attempts at this prompt, then succeed. */
  failFirst?: number;
  /** `fail_tier=1` or `fail_tier=1,2`: fail whenever the call runs at one of these tiers. */
  failTiers?: Tier[];
  /** `cost=USD`: report this cost, as the Claude CLI does. */
  costUsd?: number;
  /** `tier=N`: the planner gives this step this tier_hint. No effect on a subtask call. */
  tier?: Tier;
  /** `plan=garbage|cycle`: the planner answers prose, or a plan with a dependency cycle. */
  plan?: 'garbage' | 'cycle';
  /** `plan_fail_first=N`: the planner answers prose the first N times, then a good plan. */
  planFailFirst?: number;
  /** `plan_fail=KIND`: the planning call itself fails this way. */
  planFail?: FailureKind;
  /** `plan_latency=MS`: the planning call's latency before scaling. */
  planLatencyMs?: number;
}

/** Keys that concern the planning call; the planner strips them from step descriptions. */
export const PLAN_KEYS: ReadonlySet<string> = new Set([
  'plan',
  'plan_fail_first',
  'plan_fail',
  'plan_latency',
]);

/** The largest value each kind of directive takes; more is refused with an error naming the bound. */
export const DIRECTIVE_LIMITS = {
  /** `chars`: characters of one answer. */
  chars: 200_000,
  /** `tokens`: output tokens reported by one call. */
  tokens: 1_000_000,
  /** `latency`, `plan_latency`, `retry_after`: milliseconds (10 minutes). */
  milliseconds: 600_000,
  /** `fail_first`, `plan_fail_first`: attempts. */
  attempts: 1_000,
  /** `cost`: USD reported by one call. */
  costUsd: 1_000,
} as const;

type Setter = (directives: SimulatedDirectives, value: string, key: string) => void;

const SETTERS: Record<string, Setter> = {
  latency: (directives, value, key) => {
    directives.latencyMs = milliseconds(key, value);
  },
  tokens: (directives, value, key) => {
    directives.outputTokens = wholeNumber(key, value, DIRECTIVE_LIMITS.tokens);
  },
  chars: (directives, value, key) => {
    directives.chars = wholeNumber(key, value, DIRECTIVE_LIMITS.chars);
  },
  fail: (directives, value, key) => {
    directives.fail = failureKind(key, value);
  },
  retry_after: (directives, value, key) => {
    directives.retryAfterMs = milliseconds(key, value);
  },
  fail_first: (directives, value, key) => {
    directives.failFirst = wholeNumber(key, value, DIRECTIVE_LIMITS.attempts);
  },
  fail_tier: (directives, value, key) => {
    directives.failTiers = value.split(',').map((part) => tier(key, part));
  },
  cost: (directives, value, key) => {
    const cost = Number(value);
    if (value === '' || !Number.isFinite(cost) || cost < 0 || cost > DIRECTIVE_LIMITS.costUsd)
      throw badValue(key, value, `a cost in USD from 0 to ${DIRECTIVE_LIMITS.costUsd}`);
    directives.costUsd = cost;
  },
  tier: (directives, value, key) => {
    directives.tier = tier(key, value);
  },
  plan: (directives, value, key) => {
    if (value !== 'garbage' && value !== 'cycle') throw badValue(key, value, '`garbage` or `cycle`');
    directives.plan = value;
  },
  plan_fail_first: (directives, value, key) => {
    directives.planFailFirst = wholeNumber(key, value, DIRECTIVE_LIMITS.attempts);
  },
  plan_fail: (directives, value, key) => {
    directives.planFail = failureKind(key, value);
  },
  plan_latency: (directives, value, key) => {
    directives.planLatencyMs = milliseconds(key, value);
  },
};

function badValue(key: string, value: string, expected: string): SymbiontError {
  return new SymbiontError(
    'PROVIDER_BAD_REQUEST',
    `simulated provider: directive \`${key}\` expects ${expected}, got \`${shown(value)}\``,
    { context: { directive: key, value: shown(value) } },
  );
}

/** The value shown in an error: a long one is cut, since it came from a prompt. */
function shown(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}...` : value;
}

function wholeNumber(key: string, value: string, maximum: number): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number > maximum)
    throw badValue(key, value, `a whole number from 0 to ${maximum}`);
  return number;
}

function milliseconds(key: string, value: string): number {
  const number = Number(value);
  const maximum = DIRECTIVE_LIMITS.milliseconds;
  if (!/^\d+(?:\.\d+)?$/.test(value) || !Number.isFinite(number) || number > maximum) {
    throw badValue(key, value, `milliseconds, a number from 0 to ${maximum}`);
  }
  return number;
}

function tier(key: string, value: string): Tier {
  if (value === '1' || value === '2' || value === '3') return Number(value) as Tier;
  throw badValue(key, value, 'a tier: 1, 2 or 3');
}

function failureKind(key: string, value: string): FailureKind {
  const kind = FAILURE_KINDS.find((candidate) => candidate === value);
  if (kind === undefined) throw badValue(key, value, `one of ${FAILURE_KINDS.join(', ')}`);
  return kind;
}

/** Parses every directive block in `text`; a later block overrides an earlier one key by key. */
export function parseDirectives(text: string): SimulatedDirectives {
  const directives: SimulatedDirectives = {};
  for (const block of text.match(DIRECTIVE_PATTERN) ?? []) {
    const body = block.slice('[[sim'.length, -']]'.length).trim();
    for (const pair of body.split(/\s+/).filter((part) => part !== '')) {
      const equals = pair.indexOf('=');
      const key = equals < 0 ? pair : pair.slice(0, equals);
      const setter = SETTERS[key];
      if (setter === undefined || equals < 0) {
        throw new SymbiontError(
          'PROVIDER_BAD_REQUEST',
          `simulated provider: unknown directive \`${pair}\`; expected key=value with a key among ${Object.keys(SETTERS).join(', ')}`,
          { context: { directive: pair } },
        );
      }
      setter(directives, pair.slice(equals + 1), key);
    }
  }
  return directives;
}

/**
 * The part of a prompt whose directives apply to a subtask call: the text after the last
 * SUBTASK_MARKER when there is one (so the goal and the dependencies' descriptions, which come
 * before it, do not leak their directives), else the whole prompt.
 */
export function directiveScope(prompt: string): string {
  const marker = prompt.lastIndexOf(SUBTASK_MARKER);
  return marker < 0 ? prompt : prompt.slice(marker + SUBTASK_MARKER.length);
}

/** Removes directive blocks; with `onlyKeys`, removes only those keys and drops blocks left empty. */
export function stripDirectives(text: string, onlyKeys?: ReadonlySet<string>): string {
  return text.replace(DIRECTIVE_PATTERN, (block) => {
    if (onlyKeys === undefined) return '';
    const body = block.slice('[[sim'.length, -']]'.length).trim();
    const kept = body.split(/\s+/).filter((pair) => pair !== '' && !onlyKeys.has(pair.split('=')[0] ?? ''));
    return kept.length === 0 ? '' : `[[sim ${kept.join(' ')}]]`;
  });
}
