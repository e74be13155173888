// Architecture rules checked in CI: no circular imports, and dependencies point inward
// (core <- ports <- engine <- adapters/app <- interfaces).
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
