// A child process for sqlite-child-writer.test.ts: takes the lease on a task and appends
// subtask events to it in a loop, printing each stored batch's last seq, until it is killed.
// Usage: node --import tsx sqlite-writer-process.ts <database> <task id> <subtask count>

import { openSqliteStore } from '../../src/adapters/stores/sqlite-store.js';
import { isoAt, subtaskRunEvents } from './task-fixtures.js';

const [path, taskId, countText] = process.argv.slice(2);
if (path === undefined || taskId === undefined || countText === undefined) {
  process.stderr.write('usage: sqlite-writer-process <database> <task id> <subtask count>\n');
  process.exit(2);
}
const store = openSqliteStore(path);
if (!(await store.acquireLease(taskId, `writer:${process.pid}`, 60_000))) {
  process.stderr.write('lease refused\n');
  process.exit(1);
}
const count = Number(countText);
for (let round = 0; ; round++) {
  const first = (round * 2) % count;
  const batch = [first, (first + 1) % count].flatMap((index) =>
    subtaskRunEvents(taskId, index, isoAt(round)).map((event) =>
      // Large enough that a batch spans several pages, so a kill can land mid-commit.
      event.type === 'subtask.completed' ? { ...event, result: `${round}:${'r'.repeat(3000)}` } : event,
    ),
  );
  const stored = await store.appendEvents(taskId, batch);
  process.stdout.write(`${stored.at(-1)?.seq}\n`);
}
