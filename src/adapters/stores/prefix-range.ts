// The range of strings that start with a prefix, for an index range scan
// (`id >= prefix AND id < upper`) instead of a LIKE, which has wildcards to escape and which
// SQLite does not serve from a BINARY index unless case_sensitive_like is on.

const MAX_CODE_POINT = 0x10ffff;

/**
 * The least string greater than every string that starts with `prefix`, in code point order
 * (SQLite's BINARY collation of UTF-8 text), or undefined when there is none (the prefix is
 * empty or made only of U+10FFFF): then every string from `prefix` up starts with it.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const points = [...prefix].map((character) => character.codePointAt(0)!);
  while (points.length > 0) {
    const last = points.pop()!;
    if (last === MAX_CODE_POINT) continue;
    // The surrogate range is no character; the next one after U+D7FF is U+E000.
    const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
    return String.fromCodePoint(...points, next);
  }
  return undefined;
}
