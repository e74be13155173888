// The dependency rules fail the build when cli/ or http/ imports an adapter (or an engine value),
// or config/ reaches past the core: dependency-cruiser runs with the project's own configuration
// on a fixture tree that breaks each rule once, and on the real tree, which breaks none.

import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');

function depcruise(cwd: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [DEPCRUISE, 'src', '--config', CONFIG], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('dependency rules', () => {
  it('fail on a tree whose cli/ and http/ import an adapter, and whose config/ imports the app', () => {
    const { status, output } = depcruise(join(ROOT, 'test/fixtures/layering'));
    expect(status).not.toBe(0);
    const violations = output
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.startsWith('error '))
      .sort();
    expect(violations).toEqual([
      'error config-only-core: src/config/imports-app.ts → src/app/compose.ts',
      'error interfaces-engine-types-only: src/cli/imports-engine-value.ts → src/engine/runner.ts',
      'error interfaces-through-app: src/cli/imports-adapter.ts → src/adapters/store/store.ts',
      'error interfaces-through-app: src/http/imports-adapter.ts → src/adapters/store/store.ts',
    ]);
    // The allowed imports (cli/ on the app, the core and engine types; app/ on adapters) pass.
    expect(output).not.toContain('src/cli/allowed.ts');
    expect(output).not.toContain('src/app/compose.ts →');
  });

  it('pass on the real tree', () => {
    const { status, output } = depcruise(ROOT);
    expect(output).toContain('no dependency violations found');
    expect(status).toBe(0);
  });
});
