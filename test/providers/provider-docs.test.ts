// The README's provider section is the registry's: generated from it (npm run docs:providers),
// listing exactly its providers and variables, and every setting variable the code reads is
// documented there with its default. Each registry entry builds its provider or names what is
// missing.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/adapters/system/system-clock.js';
import { SIMULATED_NOTICE } from '../../src/app/compose.js';
import { GENERAL_VARIABLES } from '../../src/app/environment.js';
import { DOCS_END, renderProviderDocs } from '../../src/app/providers/provider-docs.js';
import {
  createProviderResolver,
  FALLBACK_PROVIDER,
  PROVIDER_NAMES,
  PROVIDERS,
} from '../../src/app/providers/registry.js';
import { SymbiontError } from '../../src/core/errors.js';

const ROOT = resolve(import.meta.dirname, '../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

function generatedBlock(): string {
  const start = README.indexOf('<!-- providers:start');
  const end = README.indexOf(DOCS_END);
  expect(start).toBeGreaterThan(0);
  expect(end).toBeGreaterThan(start);
  return README.slice(start, end + DOCS_END.length);
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Setting variables read in src/ (`env.NAME`, `env['NAME']`, `` env[`NAME_${n}`] ``), not assigned. */
function variablesReadBySource(): Set<string> {
  const documented = [...GENERAL_VARIABLES, ...PROVIDERS.flatMap((entry) => entry.env)].map((v) => v.name);
  const read = new Set<string>();
  const setting = /^(SYMBIONT|ANTHROPIC|OPENAI|CLAUDE|XDG)_|^PATH(EXT)?$/;
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/\benv\??\.([A-Z][A-Z0-9_]*)\b(?!\s*=[^=])/g)) read.add(match[1]!);
    for (const match of text.matchAll(/\benv\[\s*['"`]([A-Z][A-Z0-9_]*)(\$\{)?/g)) {
      if (match[2] === undefined) read.add(match[1]!);
      else for (const name of documented.filter((n) => n.startsWith(match[1]!))) read.add(name);
    }
  }
  return new Set([...read].filter((name) => setting.test(name)));
}

describe('the README provider section', () => {
  it('is exactly what the registry renders (run `npm run docs:providers` after changing it)', () => {
    expect(generatedBlock()).toBe(renderProviderDocs(PROVIDERS, FALLBACK_PROVIDER, GENERAL_VARIABLES));
  });

  it("lists exactly the registry's providers in its table, and each one's variables", () => {
    const block = generatedBlock();
    const tableRows = block.split('\n').filter((line) => /^\| `[a-z-]+` \|/.test(line));
    expect(tableRows.map((row) => /^\| `([a-z-]+)`/.exec(row)![1])).toEqual([...PROVIDER_NAMES]);
    for (const entry of PROVIDERS) {
      const section = block.slice(block.indexOf(`### \`${entry.name}\``)).split('\n### ')[0]!;
      const variables = [...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \| .+ \| (.+) \|$/gm)];
      expect(variables.map((match) => match[1])).toEqual(entry.env.map((variable) => variable.name));
      for (const match of variables) expect(match[2]!.trim()).not.toBe('');
      expect(section).toContain(`symbiont doctor --provider ${entry.name}`);
    }
  });

  it('documents every setting variable the code reads, and no variable it does not read', () => {
    const documented = new Set(
      [...GENERAL_VARIABLES, ...PROVIDERS.flatMap((entry) => entry.env)].map((variable) => variable.name),
    );
    const read = variablesReadBySource();
    expect([...read].filter((name) => !documented.has(name)).sort()).toEqual([]);
    expect([...documented].filter((name) => !read.has(name)).sort()).toEqual([]);
    expect(read.size).toBeGreaterThanOrEqual(15);
  });

  it('still opens with the two command lines, run and test', () => {
    const lines = README.split('\n');
    expect(lines[0]).toBe('# symbiont');
    expect(lines[2]).toBe('```sh');
    expect(lines[3]).toMatch(/^npm install && npx symbiont run "/);
    expect(lines[4]).toBe('bash scripts/test.sh');
    // CI runs the README's test command, and that command installs what the tests need.
    expect(readFileSync(join(ROOT, '.ci', 'run'), 'utf8')).toMatch(/^bash scripts\/test\.sh$/m);
    const testScript = readFileSync(join(ROOT, 'scripts', 'test.sh'), 'utf8');
    for (const install of ['npm ci', 'apt-get install -y -qq chromium', 'postgresql redis-server'])
      expect(testScript).toContain(install);
  });

  it('is where the simulated notice points, with the directives for trying failures offline', () => {
    const title = /"([^"]+)" in the README/.exec(SIMULATED_NOTICE)![1]!;
    expect(README).toContain(`\n## ${title}\n`);
    expect(SIMULATED_NOTICE).toContain('symbiont doctor');
    for (const directive of [
      'latency=MS',
      'fail=KIND',
      'fail_first=N',
      'fail_tier=1',
      'plan_fail_first=N',
      'hang',
    ]) {
      expect(README).toContain(directive);
    }
  });
});

describe('the provider registry', () => {
  it('has unique names and selection orders, and builds each provider under its own name', () => {
    expect(new Set(PROVIDER_NAMES).size).toBe(PROVIDERS.length);
    const orders = PROVIDERS.flatMap((entry) => (entry.selection ? [entry.selection.order] : []));
    expect(new Set(orders).size).toBe(orders.length);
    const resolve = createProviderResolver({
      env: {
        ANTHROPIC_API_KEY: 'sk-ant-test-0123456789',
        OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
        OPENAI_MODEL: 'local-model',
      },
      home: ROOT,
      simulatedLatencyScale: 0,
      clock: systemClock,
    });
    for (const name of PROVIDER_NAMES) {
      const provider = resolve(name);
      expect(provider.name).toBe(name);
      expect(resolve(name)).toBe(provider); // one instance per process
      const entry = PROVIDERS.find((candidate) => candidate.name === name)!;
      // What budgets and prompt caching read from a provider survives the registry's wrapping.
      if (name !== 'simulated') expect(provider.callBounds?.honoursMaxOutputTokens).toBe(true);
      for (const tier of [1, 2, 3] as const) {
        expect(provider.modelFor(tier)).toBe(entry.defaultModels[tier] ?? 'local-model');
      }
    }
  });

  it("keeps the anthropic adapter's prompt cache behind the rate limiter", () => {
    const provider = createProviderResolver({
      env: { ANTHROPIC_API_KEY: 'sk-ant-test-0123456789' },
      home: ROOT,
      simulatedLatencyScale: 0,
      clock: systemClock,
    })('anthropic');
    expect(provider.promptCache?.minPrefixTokens('claude-sonnet-5-5')).toBeGreaterThan(0);
  });

  it('names what is missing when a provider cannot be built, and refuses unknown names', () => {
    const resolve = createProviderResolver({
      env: {},
      home: ROOT,
      simulatedLatencyScale: 0,
      clock: systemClock,
    });
    for (const [name, variable] of [
      ['anthropic', 'ANTHROPIC_API_KEY'],
      ['openai-compatible', 'OPENAI_BASE_URL'],
    ] as const) {
      expect(() => resolve(name)).toThrow(variable);
      try {
        resolve(name);
      } catch (error) {
        expect(SymbiontError.is(error, 'CONFIG')).toBe(true);
      }
    }
    expect(() => resolve('gpt')).toThrow(
      "unknown provider 'gpt': expected one of simulated, claude-cli, anthropic, openai-compatible",
    );
  });
});
