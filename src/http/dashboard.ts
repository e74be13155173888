// The HTML served at GET /: the dashboard of src/web/dashboard-page.ts (embedded in the compiled
// code, so dist/ needs no HTML file), or the first readable file of `paths`, else a minimal page.
// Kept in this one function so the dashboard can be swapped without touching routes.

import { readFileSync } from 'node:fs';
import { DASHBOARD_HTML } from '../web/dashboard-page.js';

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

/** The dashboard page; with `paths`, the first of those files that can be read instead. */
export function loadDashboardHtml(paths?: readonly string[]): string {
  if (paths === undefined) return DASHBOARD_HTML;
  for (const path of paths) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      // try the next place
    }
  }
  return FALLBACK_PAGE;
}
