import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadDashboardHtml } from '../../src/http/dashboard.js';
import { DASHBOARD_HTML, DASHBOARD_SCRIPT } from '../../src/web/dashboard-page.js';
import { DASHBOARD_CSS } from '../../src/web/dashboard-style.js';

function policyOf(html: string): string {
  const match = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html);
  if (!match?.[1]) throw new Error('the page has no Content-Security-Policy');
  return match[1];
}

const hashOf = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

describe('dashboard page', () => {
  it('is what GET / serves by default', () => {
    expect(loadDashboardHtml()).toBe(DASHBOARD_HTML);
  });

  it('has a browser script that parses', () => {
    expect(() => new Function(DASHBOARD_SCRIPT)).not.toThrow();
  });

  it('never turns strings into markup or code in the browser script', () => {
    for (const sink of [
      'innerHTML',
      'outerHTML',
      'insertAdjacentHTML',
      'document.write',
      'eval(',
      'new Function',
    ]) {
      expect(DASHBOARD_SCRIPT).not.toContain(sink);
    }
    expect(DASHBOARD_SCRIPT).not.toMatch(/<\/script/i);
  });

  it('allows only its own inline script and style, and connections to its own server', () => {
    const policy = policyOf(DASHBOARD_HTML);
    expect(policy).toContain(`script-src ${hashOf(DASHBOARD_SCRIPT)}`);
    expect(policy).toContain(`style-src ${hashOf(DASHBOARD_CSS)}`);
    expect(policy).toContain("connect-src 'self'");
    expect(policy).toContain("default-src 'none'");
    expect(DASHBOARD_HTML).toContain(`<script>${DASHBOARD_SCRIPT}</script>`);
    expect(DASHBOARD_HTML).toContain(`<style>${DASHBOARD_CSS}</style>`);
  });

  it('loads nothing from other hosts', () => {
    expect(DASHBOARD_HTML).not.toMatch(/(src|href)="(https?:)?\/\//i);
  });
});
