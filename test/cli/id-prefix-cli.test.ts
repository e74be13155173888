// `show` and `cancel` in a child process take a unique id prefix, with or without
// `compound-`; an ambiguous prefix lists the matches and exits 2, an unknown one exits 2.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/adapters/stores/sqlite-store.js';
import { homePaths } from '../../src/config/home.js';
import type { Task } from '../../src/core/records.js';
import { createdEvent, makeTask, plannedEvent } from '../stores/task-fixtures.js';
import { runCli, tempHome } from './cli-helpers.js';

let home: string;
let cleanup: () => void;
const A1 = 'compound-aa11aaaa-0000-4000-8000-000000000001';
const A2 = 'compound-aa22aaaa-0000-4000-8000-000000000002';

beforeEach(async () => {
  ({ home, cleanup } = tempHome());
  const store = openSqliteStore(homePaths.database(home));
  try {
    for (const id of [A1, A2]) {
      await store.createTask(createdEvent(makeTask({ id, prompt: `prompt of ${id.slice(9, 13)}` })));
      await store.appendEvents(id, [plannedEvent(id, 2, new Date().toISOString())]);
    }
  } finally {
    await store.close();
  }
});
afterEach(() => cleanup());

describe('task id prefixes on the command line', () => {
  it('show, cancel: a unique prefix names the task; ambiguous and unknown ones exit 2', async () => {
    const env = { SYMBIONT_HOME: home };
    const shown = await runCli(['show', 'aa1', '--json'], env);
    expect(shown.code, shown.stderr).toBe(0);
    expect((JSON.parse(shown.stdout) as Task).id).toBe(A1);

    const ambiguous = await runCli(['show', 'compound-aa'], env);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stdout).toBe('');
    expect(ambiguous.stderr).toContain("task id prefix 'compound-aa' is ambiguous");
    expect(ambiguous.stderr).toContain(`${A1}  planned   prompt of aa11`);
    expect(ambiguous.stderr).toContain(`${A2}  planned   prompt of aa22`);

    const unknown = await runCli(['cancel', 'ab'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no task ab');

    const cancelled = await runCli(['cancel', 'aa22'], env);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toBe(`${A2}: cancelled\n`);
    const store = openSqliteStore(homePaths.database(home));
    try {
      expect((await store.getTask(A2))?.status).toBe('cancelled');
      expect((await store.getTask(A1))?.status).toBe('planned');
    } finally {
      await store.close();
    }
  }, 120_000);
});
