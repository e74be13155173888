// Which methods a known path answers, for the 405 (with `Allow`) sent when a request names a
// path of the route table with a method it does not serve. Built from the same route table.

import type { AnyRoute } from './route-types.js';

interface PathMethods {
  pattern: RegExp;
  allow: string;
}

function patternOf(url: string): RegExp {
  const escaped = url
    .split('/')
    .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${escaped}$`);
}

/** A lookup from a request path (no query string) to its `Allow` value, or undefined for an unknown path. */
export function allowedMethods(routes: readonly AnyRoute[]): (path: string) => string | undefined {
  const byUrl = new Map<string, Set<string>>();
  for (const route of routes) {
    const methods = byUrl.get(route.url) ?? new Set<string>();
    methods.add(route.method);
    // Fastify answers HEAD for every GET route.
    if (route.method === 'GET') methods.add('HEAD');
    byUrl.set(route.url, methods);
  }
  const table: PathMethods[] = [...byUrl].map(([url, methods]) => ({
    pattern: patternOf(url),
    allow: [...methods].join(', '),
  }));
  return (path) => table.find((entry) => entry.pattern.test(path))?.allow;
}
