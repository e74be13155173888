// Architecture rules checked in CI: no circular imports, and dependencies point inward
// (core <- ports <- engine <- adapters <- app <- interfaces). config/ reads settings with the core
// only; cli/ and http/ reach adapters only through the composition root in app/.
// test/architecture/dependency-rules.test.ts shows each interface rule failing on a fixture tree.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'core-is-pure',
      comment: 'The core imports only the core (and zod / node:crypto for hashing).',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/(?!core/)' },
    },
    {
      name: 'core-no-io',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { dependencyTypes: ['core'], pathNot: '^(node:)?crypto$' },
    },
    {
      name: 'ports-only-core',
      severity: 'error',
      from: { path: '^src/ports/' },
      to: { path: '^src/(?!core/|ports/)' },
    },
    {
      name: 'engine-inward',
      comment: 'The engine uses the core and the ports, never adapters or interfaces.',
      severity: 'error',
      from: { path: '^src/engine/' },
      to: { path: '^src/(adapters|app|cli|http|web)/' },
    },
    {
      name: 'interfaces-through-app',
      comment:
        'The CLI and the HTTP server get every adapter from the composition root (src/app/), never directly.',
      severity: 'error',
      from: { path: '^src/(cli|http)/' },
      to: { path: '^src/adapters/' },
    },
    {
      name: 'interfaces-engine-types-only',
      comment:
        'The CLI and the HTTP server use the engine through the app; from the engine itself only types.',
      severity: 'error',
      from: { path: '^src/(cli|http)/' },
      to: { path: '^src/engine/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'http-not-cli',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'config-only-core',
      comment: 'Configuration readers use the core only (the registry hands them what they choose among).',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^src/(?!core/|config/)' },
    },
    {
      name: 'app-not-interfaces',
      comment: 'The composition root builds what the interfaces use; it never imports them.',
      severity: 'error',
      from: { path: '^src/app/' },
      to: { path: '^src/(cli|http|web)/' },
    },
    {
      name: 'adapters-not-interfaces',
      severity: 'error',
      from: { path: '^src/adapters/' },
      to: { path: '^src/(app|cli|http|web)/' },
    },
    {
      name: 'web-client-only-core',
      comment:
        'The browser code (bundled into the dashboard page) imports the pure core and itself only: no Node module, no package, no engine or server.',
      severity: 'error',
      from: { path: '^src/web/client/' },
      to: { pathNot: '^src/(core|web/client)/' },
    },
    {
      name: 'web-client-not-imported',
      comment: 'The server serves the bundle (src/web/generated/), never the browser sources themselves.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/web/client/' },
      to: { path: '^src/web/client/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
