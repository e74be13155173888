// The HTML served at GET /: the dashboard from src/web/dashboard.html when it exists, else a
// minimal page. Kept in this one function so the dashboard can be swapped without touching routes.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FALLBACK_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>symbiont</title></head>
<body>
<h1>symbiont</h1>
<p>The HTTP API is running. Its description is at <code>/openapi.json</code> (send your token as
<code>Authorization: Bearer &lt;token&gt;</code>).</p>
</body>
</html>
`;

// Beside this module in src/, or, from the compiled dist/http/, back in src/web/.
const CANDIDATES = ['../web/dashboard.html', '../../src/web/dashboard.html'];

/** Reads the dashboard once; call again to pick up a changed file. */
export function loadDashboardHtml(paths?: readonly string[]): string {
  const candidates = paths ?? CANDIDATES.map((relative) => fileURLToPath(new URL(relative, import.meta.url)));
  for (const path of candidates) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      // try the next place
    }
  }
  return FALLBACK_PAGE;
}
