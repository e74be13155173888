// The reverse of a plan's dependency lists, in one flat table: the dependents of subtask i are
// targets[offsets[i]] .. targets[offsets[i + 1] - 1], in increasing index order. Two typed
// arrays instead of an array per subtask: a 10,000-subtask plan no longer makes 10,000 small
// arrays for the collector to trace, twice per task (critical path and scheduler).

export interface Dependents {
  /** count + 1 entries; subtask i's dependents start at offsets[i] and end before offsets[i + 1]. */
  readonly offsets: Int32Array;
  readonly targets: Int32Array;
}

/**
 * Builds the table. Dependencies outside 0..count-1 are left out. (Indexed loops: dependency
 * lists are frozen, and V8 does not optimise for...of over a frozen array; it allocated an
 * iterator result per element, about 500 bytes per subtask here.)
 */
export function dependentsOf(dependsOn: readonly (readonly number[])[]): Dependents {
  const count = dependsOn.length;
  const offsets = new Int32Array(count + 1);
  for (let index = 0; index < count; index++) {
    const list = dependsOn[index]!;
    for (let at = 0; at < list.length; at++) {
      const dependency = list[at]!;
      if (dependency >= 0 && dependency < count) offsets[dependency + 1] = offsets[dependency + 1]! + 1;
    }
  }
  for (let index = 0; index < count; index++) offsets[index + 1] = offsets[index + 1]! + offsets[index]!;
  const targets = new Int32Array(offsets[count]!);
  const fill = offsets.slice(0, count);
  for (let index = 0; index < count; index++) {
    const list = dependsOn[index]!;
    for (let at = 0; at < list.length; at++) {
      const dependency = list[at]!;
      if (dependency < 0 || dependency >= count) continue;
      const slot = fill[dependency]!;
      targets[slot] = index;
      fill[dependency] = slot + 1;
    }
  }
  return { offsets, targets };
}
