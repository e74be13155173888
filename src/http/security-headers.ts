// Headers on every response (SPEC §15): no framing (clickjacking), no MIME sniffing, no
// referrer, nothing stored by caches (task records and costs are private), and a content
// security policy as a header, where `frame-ancestors` takes effect (a <meta> policy cannot
// carry it). The dashboard's policy is its page's own, with frame-ancestors added.

import type { ServerResponse } from 'node:http';
import { CONTENT_SECURITY_POLICY as DASHBOARD_PAGE_POLICY } from '../web/dashboard-page.js';

/** The policy of every API answer: nothing may load, nothing may frame it. */
export const API_CONTENT_SECURITY_POLICY =
  "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** The default dashboard's policy (its script and style hashes) plus frame-ancestors. */
export const DASHBOARD_CONTENT_SECURITY_POLICY = `${DASHBOARD_PAGE_POLICY}; frame-ancestors 'none'`;

/** For a dashboard page other than the built-in one, whose hashes are unknown: only what cannot break it. */
const CUSTOM_DASHBOARD_POLICY = "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const COMMON: ReadonlyArray<readonly [string, string]> = [
  ['x-frame-options', 'DENY'],
  ['x-content-type-options', 'nosniff'],
  ['referrer-policy', 'no-referrer'],
  ['cache-control', 'no-store'],
  ['cross-origin-opener-policy', 'same-origin'],
  ['cross-origin-resource-policy', 'same-origin'],
];

export interface SecurityHeaderOptions {
  /** Whether GET / serves the built-in dashboard (whose policy is known). */
  builtInDashboard: boolean;
}

/** Sets the headers on the raw response, so that hijacked replies (event streams) carry them too. */
export function securityHeaderSetter(options: SecurityHeaderOptions) {
  const dashboardPolicy = options.builtInDashboard
    ? DASHBOARD_CONTENT_SECURITY_POLICY
    : CUSTOM_DASHBOARD_POLICY;
  return (response: ServerResponse, path: string): void => {
    for (const [name, value] of COMMON) response.setHeader(name, value);
    response.setHeader(
      'content-security-policy',
      path === '/' ? dashboardPolicy : API_CONTENT_SECURITY_POLICY,
    );
  };
}

/** The same headers as raw header lines, for answers written straight to the socket (malformed HTTP). */
export const RAW_SECURITY_HEADER_LINES = [
  ...COMMON.map(([name, value]) => `${name}: ${value}`),
  `content-security-policy: ${API_CONTENT_SECURITY_POLICY}`,
].join('\r\n');
