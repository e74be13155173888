// Typed task ids (src/cli/task-id.ts): a unique prefix, with or without `compound-`, names its
// task; an exact id wins over longer ids it is a prefix of; an ambiguous prefix lists matches.

import { beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/adapters/stores/memory-store.js';
import { resolveTaskId } from '../../src/cli/task-id.js';
import { SymbiontError } from '../../src/core/errors.js';
import type { TaskStore } from '../../src/ports/task-store.js';
import { createdEvent, makeTask } from '../stores/task-fixtures.js';

let store: TaskStore;
const A1 = 'compound-aa11aaaa-0000-4000-8000-000000000001';
const A2 = 'compound-aa22aaaa-0000-4000-8000-000000000002';
const B = 'compound-bb11bbbb-0000-4000-8000-000000000003';

async function failure(promise: Promise<unknown>): Promise<SymbiontError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof SymbiontError)) throw new Error(`expected a SymbiontError, got ${String(error)}`);
  return error;
}

beforeEach(async () => {
  store = createMemoryStore();
  for (const [id, prompt] of [
    [A1, 'first task'],
    [A2, 'second task'],
    [B, 'third task'],
  ] as const) {
    await store.createTask(createdEvent(makeTask({ id, prompt })));
  }
});

describe('resolveTaskId', () => {
  it('resolves a unique prefix with or without compound-, and a whole id', async () => {
    expect(await resolveTaskId(store, 'aa1')).toBe(A1);
    expect(await resolveTaskId(store, 'compound-aa2')).toBe(A2);
    expect(await resolveTaskId(store, ' b ')).toBe(B);
    expect(await resolveTaskId(store, A1)).toBe(A1);
    expect(await resolveTaskId(store, A1.slice('compound-'.length))).toBe(A1);
  });

  it('lists the matches of an ambiguous prefix (INVALID_ARGUMENT: exit 2)', async () => {
    const error = await failure(resolveTaskId(store, 'aa'));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain("task id prefix 'aa' is ambiguous");
    expect(error.message).toContain(`${A1}  planning  first task`);
    expect(error.message).toContain(`${A2}  planning  second task`);
    expect(error.message).not.toContain(B);
    const all = await failure(resolveTaskId(store, 'compound-'));
    expect(all.message.split('\n')).toHaveLength(4);
  });

  it('says when no task matches (NOT_FOUND) and refuses an empty id', async () => {
    const unknown = await failure(resolveTaskId(store, 'cc'));
    expect(unknown.code).toBe('NOT_FOUND');
    expect(unknown.message).toBe('no task cc');
    expect((await failure(resolveTaskId(store, '  '))).code).toBe('INVALID_ARGUMENT');
    // A prefix is literal text: LIKE wildcards match nothing.
    expect((await failure(resolveTaskId(store, '%'))).code).toBe('NOT_FOUND');
    expect((await failure(resolveTaskId(store, 'a_1'))).code).toBe('NOT_FOUND');
  });

  it('prefers an exact id over longer ids it is a prefix of', async () => {
    await store.createTask(createdEvent(makeTask({ id: 'compound-aa' })));
    expect(await resolveTaskId(store, 'aa')).toBe('compound-aa');
    expect(await resolveTaskId(store, 'compound-aa')).toBe('compound-aa');
  });

  it('lists at most ten matches and says there are more', async () => {
    for (let n = 0; n < 12; n++) {
      await store.createTask(createdEvent(makeTask({ id: `compound-ff${String(n).padStart(2, '0')}` })));
    }
    const error = await failure(resolveTaskId(store, 'ff'));
    const lines = error.message.split('\n');
    expect(lines).toHaveLength(12);
    expect(lines.at(-1)).toContain('and more');
  });
});
