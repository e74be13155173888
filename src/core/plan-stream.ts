// Reads a plan's JSON as it streams and hands out each subtask of its `subtasks` array the
// moment that subtask's closing brace arrives, before the rest of the plan exists. Pure and
// incremental: one pass over the characters, whatever the chunking. The plan is the first
// top-level `{` of the text (prose or a code fence before it is skipped); only the elements of
// its top-level `subtasks` array are handed out, each as parsed JSON. The whole plan is still
// validated at the end (plan-validation.ts); this only lets work start early.

export class PlanStreamParser {
  /** Nesting of objects and arrays at the read position. */
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** The text of the string being read, when it is a key of the top-level object. */
  private key: string | null = null;
  private lastKey: string | null = null;
  /** Depth of the top-level `subtasks` array's elements while inside it, else 0. */
  private subtasksDepth = 0;
  /** The subtask object being read, when inside one. */
  private element: string | null = null;
  private done = false;

  /** Reads a chunk; returns the subtask objects it completed, in order. */
  push(chunk: string): unknown[] {
    const found: unknown[] = [];
    for (let at = 0; at < chunk.length && !this.done; at++) {
      const char = chunk[at]!;
      if (this.element !== null) this.element += char;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (char === '\\') this.escaped = true;
        else if (char === '"') {
          this.inString = false;
          if (this.key !== null) this.lastKey = this.key;
          this.key = null;
        } else if (this.key !== null) this.key += char;
        continue;
      }
      if (char === '"') {
        if (this.depth === 0) continue; // prose before the plan
        this.inString = true;
        this.key = this.depth === 1 && this.subtasksDepth === 0 ? '' : null;
      } else if (char === '{' || char === '[') {
        if (this.depth === 0 && char !== '{') continue;
        this.depth++;
        if (char === '[' && this.depth === 2 && this.lastKey === 'subtasks') this.subtasksDepth = 2;
        else if (char === '{' && this.subtasksDepth > 0 && this.depth === 3) this.element = '{';
      } else if (char === '}' || char === ']') {
        if (this.depth === 0) continue;
        this.depth--;
        if (this.element !== null && this.depth === 2) {
          const text = this.element;
          this.element = null;
          try {
            found.push(JSON.parse(text));
          } catch {
            // Not JSON after all: the validation of the whole plan will say so.
          }
        }
        if (this.depth < 2) this.subtasksDepth = 0;
        if (this.depth === 0) this.done = true;
      } else if (char === ',' && this.depth === 1) {
        this.lastKey = null;
      }
    }
    return found;
  }
}
