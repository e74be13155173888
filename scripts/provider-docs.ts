// Writes the provider section of README.md from the registry (`npm run docs:providers`).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GENERAL_VARIABLES } from '../src/app/environment.js';
import { renderProviderDocs, replaceProviderDocs } from '../src/app/providers/provider-docs.js';
import { FALLBACK_PROVIDER, PROVIDERS } from '../src/app/providers/registry.js';

const path = join(import.meta.dirname, '..', 'README.md');
const block = renderProviderDocs(PROVIDERS, FALLBACK_PROVIDER, GENERAL_VARIABLES);
writeFileSync(path, replaceProviderDocs(readFileSync(path, 'utf8'), block));
process.stdout.write(`README.md: provider section written (${PROVIDERS.length} providers)\n`);
