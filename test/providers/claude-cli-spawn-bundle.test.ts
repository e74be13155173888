import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  HELPER_BUNDLE_MODULE,
  HELPER_STALE_MESSAGE,
  helperBundleModuleText,
} from '../../scripts/build-spawn-helper.js';
import { SPAWN_HELPER_SCRIPT } from '../../src/adapters/providers/spawn-helper/helper-bundle.js';

describe('the spawn helper bundle', () => {
  it('is what esbuild makes of helper-main.ts and what it imports, now', async () => {
    const fresh = await helperBundleModuleText();
    if (readFileSync(HELPER_BUNDLE_MODULE, 'utf8') !== fresh) throw new Error(HELPER_STALE_MESSAGE);
    expect(fresh).toContain('//   src/adapters/providers/spawn-helper/protocol.ts');
  });

  it('is a script for plain node: CommonJS requiring only Node modules', () => {
    const required = [...SPAWN_HELPER_SCRIPT.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]);
    expect(required.length).toBeGreaterThan(0);
    for (const name of required) expect(name).toMatch(/^node:/);
    expect(SPAWN_HELPER_SCRIPT).not.toMatch(/^\s*(import|export)\s/m);
  });
});
