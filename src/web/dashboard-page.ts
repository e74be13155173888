// The dashboard served at GET /: one self-contained HTML page (markup, inline style, inline
// script), so it ships inside the compiled JavaScript and needs no file lookup, framework or
// network at run time. The script is the browser code of src/web/client/ (TypeScript),
// bundled by scripts/build-dashboard.ts into the committed module generated/dashboard-bundle.ts.

import { createHash } from 'node:crypto';
import { DASHBOARD_CSS } from './dashboard-style.js';
import { DASHBOARD_SCRIPT } from './generated/dashboard-bundle.js';

export { DASHBOARD_SCRIPT };

function sha256Source(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/**
 * Only this page's own script and style run, and it talks only to its own server: model output
 * shown on the page can neither run code nor load anything, even if an escaping bug slipped in.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src ${sha256Source(DASHBOARD_SCRIPT)}`,
  `style-src ${sha256Source(DASHBOARD_CSS)}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const BODY = `
<header class="top">
  <h1>symbiont</h1>
  <span class="tag" id="provider-tag">provider: &hellip;</span>
  <span class="spacer"></span>
  <span id="auth-state" class="small muted"></span>
</header>
<div id="provider-notice" class="notice" hidden></div>
<div id="token-panel" class="notice error" hidden>
  <form id="token-form">
    <label for="token-input">This server needs an API token</label>
    <div id="token-message" class="small"></div>
    <div class="row">
      <input id="token-input" type="password" autocomplete="off" spellcheck="false" placeholder="symb_&hellip;">
      <button class="primary" type="submit">Use token</button>
    </div>
    <div class="small muted">Create one with <code>symbiont token create --name NAME</code>.
      It is kept for this browser tab only (sessionStorage) and sent as <code>Authorization: Bearer</code>.</div>
  </form>
</div>
<noscript><div class="notice error">The dashboard needs JavaScript.</div></noscript>
<main>
  <div class="column">
    <section class="panel" id="submit-panel">
      <h2>New task</h2>
      <form id="submit-form">
        <label for="prompt-input">Prompt</label>
        <textarea id="prompt-input" name="prompt" placeholder="What should be done? The planner splits it into subtasks."></textarea>
        <details id="plan-details">
          <summary class="small">Or paste a ready plan (JSON, skips the planner)</summary>
          <textarea id="plan-input" class="code" spellcheck="false"
            placeholder="{&quot;subtasks&quot;: [{&quot;description&quot;: &quot;&hellip;&quot;, &quot;tier_hint&quot;: 1, &quot;depends_on&quot;: []}]}"></textarea>
        </details>
        <div class="row">
          <button class="primary" id="submit-button" type="submit">Submit</button>
          <span id="submit-status" class="small muted"></span>
        </div>
        <div id="submit-result"></div>
      </form>
    </section>
    <section class="panel" id="tasks-panel">
      <h2>Recent tasks <span class="spacer"></span><span id="tasks-updated" class="small muted"></span></h2>
      <div id="task-list"><p class="empty">Loading&hellip;</p></div>
    </section>
  </div>
  <div class="column">
    <section class="panel" id="task-view"><h2>Task</h2><p class="empty">Loading&hellip;</p></section>
  </div>
  <section class="panel wide" id="costs-panel">
    <h2>Costs and ledger <span class="spacer"></span><span id="costs-updated" class="small muted"></span>
      <button id="costs-refresh" type="button">Refresh</button></h2>
    <div id="ledger-status"></div>
    <div class="costs-grid"><div id="costs-model"></div><div id="costs-day"></div></div>
  </section>
</main>
`;

/** The whole page, as GET / serves it. */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="referrer" content="no-referrer">
<title>symbiont</title>
<link rel="icon" href="data:,">
<style>${DASHBOARD_CSS}</style>
</head>
<body>${BODY}<script>${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;
