// Where the benchmarks write their JSON: bench/results in the repository, whether a benchmark
// runs from its TypeScript source (tsx) or from the compiled copy in .bench-build/, which is
// what `npm run bench` and `npm run bench:http` run: the JavaScript tsc emits, as the
// `symbiont` bin runs it, without tsx's per-function naming wrappers on every hot closure.

import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** True when running the compiled copy in .bench-build/. */
export const COMPILED = basename(dirname(here)) === '.bench-build';

export const REPO_ROOT = COMPILED ? resolve(here, '..', '..') : resolve(here, '..');

export const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');
