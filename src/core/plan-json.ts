// Finds the plan's JSON object in a model's answer: the whole answer, a fenced code block, or
// the first balanced {...} in prose (string-aware, so braces inside JSON strings do not count).
// Pure; the planner re-asks the model once when this finds nothing.

import { SymbiontError } from './errors.js';

/** Opening braces tried in prose before giving up: bounds the work on pathological answers. */
const MAX_OBJECT_STARTS = 200;

const FENCE = /```[ \t]*([A-Za-z0-9_-]*)[^\n]*\n([\s\S]*?)```/g;

/**
 * Returns the first JSON object found in `text`, trying in order: the whole text, each fenced
 * code block (```json or a bare ```), then the first balanced `{...}` that parses. Throws
 * SymbiontError PROVIDER_BAD_OUTPUT (not retryable: the planner's re-ask is the remedy).
 */
export function extractJson(text: string): unknown {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  const whole = parseObject(trimmed);
  if (whole !== undefined) return whole.value;

  for (const match of trimmed.matchAll(FENCE)) {
    const body = (match[2] ?? '').trim();
    const fenced = parseObject(body) ?? firstObjectIn(body);
    if (fenced !== undefined) return fenced.value;
  }

  const inProse = firstObjectIn(trimmed);
  if (inProse !== undefined) return inProse.value;

  throw new SymbiontError('PROVIDER_BAD_OUTPUT', 'planner answer contained no JSON object', {
    context: { answerChars: text.length },
  });
}

/** Parses `text` when it is exactly one JSON object (not an array, string or number). */
function parseObject(text: string): { value: unknown } | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? { value } : undefined;
  } catch {
    return undefined;
  }
}

/** The first `{...}` in `text` that is balanced and parses as a JSON object. */
function firstObjectIn(text: string): { value: unknown } | undefined {
  let start = text.indexOf('{');
  for (let tries = 0; start >= 0 && tries < MAX_OBJECT_STARTS; tries++) {
    const end = matchingBrace(text, start);
    if (end >= 0) {
      const candidate = parseObject(text.slice(start, end + 1));
      if (candidate !== undefined) return candidate;
    }
    start = text.indexOf('{', start + 1);
  }
  return undefined;
}

/** Index of the `}` closing the `{` at `start`, skipping JSON strings; -1 when unbalanced. */
function matchingBrace(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let position = start; position < text.length; position++) {
    const character = text[position];
    if (inString) {
      if (character === '\\') position++;
      else if (character === '"') inString = false;
    } else if (character === '"') {
      inString = true;
    } else if (character === '{') {
      depth++;
    } else if (character === '}') {
      depth--;
      if (depth === 0) return position;
    }
  }
  return -1;
}
