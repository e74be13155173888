// The id-prefix range (prefix-range.ts) and the SQLite store's use of it: a range scan of the
// id's unique index, never a scan of the table.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prefixUpperBound } from '../../src/adapters/stores/prefix-range.js';
import { prepareStatements } from '../../src/adapters/stores/sqlite-statements.js';
import { openSqliteStore } from '../../src/adapters/stores/sqlite-store.js';

describe('prefixUpperBound', () => {
  it('is the prefix with its last code point moved up by one', () => {
    expect(prefixUpperBound('compound-ab')).toBe('compound-ac');
    expect(prefixUpperBound('a%')).toBe('a&');
    expect(prefixUpperBound('é')).toBe('ê');
    expect(prefixUpperBound('x😀')).toBe('x😁');
  });

  it('skips the surrogate range and carries past U+10FFFF', () => {
    expect(prefixUpperBound('a\u{d7ff}')).toBe('a\u{e000}');
    expect(prefixUpperBound('a\u{10ffff}')).toBe('b');
    expect(prefixUpperBound('\u{10ffff}\u{10ffff}')).toBeUndefined();
    expect(prefixUpperBound('')).toBeUndefined();
  });
});

describe('SQLite findTaskIds', () => {
  it('reads a range of the id index', () => {
    const dir = mkdtempSync(join(tmpdir(), 'symbiont-prefix-'));
    const store = openSqliteStore(join(dir, 'tasks.db'));
    try {
      const source = prepareStatements(store.database).idsInRange.source;
      const plan = store.database
        .prepare(`EXPLAIN QUERY PLAN ${source}`)
        .all('compound-a', 'compound-b', 10) as { detail: string }[];
      const details = plan.map((row) => row.detail).join('\n');
      expect(details).toMatch(
        /SEARCH tasks USING COVERING INDEX sqlite_autoindex_tasks_1 \(id>\? AND id<\?\)/,
      );
      expect(details).not.toContain('TEMP B-TREE');
    } finally {
      void store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
