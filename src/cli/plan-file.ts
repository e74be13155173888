// Reads a plan file for `run --plan FILE`: a missing file, bad JSON, an empty or cyclic plan
// are INVALID_ARGUMENT / plan errors with one line naming the file and the problem.

import { readFileSync } from 'node:fs';
import { SymbiontError } from '../core/errors.js';
import { type ValidatedPlan, validatePlan } from '../core/plan-validation.js';

export function readPlanFile(path: string): { raw: unknown; plan: ValidatedPlan } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? String(error));
    throw new SymbiontError('INVALID_ARGUMENT', `plan file ${path}: ${why}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new SymbiontError(
      'INVALID_PLAN',
      `plan file ${path} is not valid JSON: ${(error as Error).message}`,
    );
  }
  try {
    return { raw, plan: validatePlan(raw) };
  } catch (error) {
    if (error instanceof SymbiontError) {
      throw new SymbiontError(error.code, `plan file ${path}: ${error.message}`, {
        cause: error,
        context: error.context,
      });
    }
    throw error;
  }
}
