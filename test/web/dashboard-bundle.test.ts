import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { BUNDLE_MODULE, bundleModuleText, STALE_MESSAGE } from '../../scripts/build-dashboard.js';
import { DASHBOARD_SCRIPT } from '../../src/web/generated/dashboard-bundle.js';

describe('the dashboard bundle', () => {
  it('is what esbuild makes of src/web/client/ and the core modules it imports, now', async () => {
    const fresh = await bundleModuleText();
    // A plain message instead of a diff of a 36 KB line.
    if (readFileSync(BUNDLE_MODULE, 'utf8') !== fresh) throw new Error(STALE_MESSAGE);
    expect(fresh).toContain('//   src/core/task-reducer.ts');
  });

  it("holds the core's event reducer, not a copy of it", () => {
    // task-reducer.ts's own error message, which no client module has.
    expect(DASHBOARD_SCRIPT).toContain('task.created starts a stream; it cannot be applied to a task');
  });

  it('typechecks as browser code, without Node types (tsconfig.web.json)', () => {
    const path = ts.findConfigFile(process.cwd(), ts.sys.fileExists, 'tsconfig.web.json');
    if (path === undefined) throw new Error('tsconfig.web.json is missing');
    const config = ts.getParsedCommandLineOfConfigFile(
      path,
      {},
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
    );
    if (config === undefined) throw new Error('tsconfig.web.json does not parse');
    expect(config.options.types).toEqual([]);
    expect(config.fileNames.some((file) => file.endsWith('src/web/client/main.ts'))).toBe(true);
    const program = ts.createProgram(config.fileNames, config.options);
    const messages = ts
      .getPreEmitDiagnostics(program)
      .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    expect(messages).toEqual([]);
  }, 60_000);
});
