// Canonical JSON: the one byte string a value hashes to. Object keys are sorted (by UTF-16
// code unit, as Array.prototype.sort does) at every depth and there is no whitespace, so two
// equal values always give the same text whatever order their keys were written in.

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { [key: string]: JsonValue };

/**
 * Serialises `value` canonically. Follows JSON.stringify for everything but key order:
 * `undefined` and function members are left out, non-finite numbers become null.
 */
export function canonicalJson(value: unknown): string {
  const text = serialise(value);
  if (text === undefined) throw new TypeError(`canonicalJson cannot serialise ${typeof value}`);
  return text;
}

function serialise(value: unknown): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'object':
      return Array.isArray(value) ? serialiseArray(value) : serialiseObject(value as Record<string, unknown>);
    case 'bigint':
      throw new TypeError('canonicalJson cannot serialise a bigint');
    default:
      return undefined;
  }
}

function serialiseArray(values: readonly unknown[]): string {
  let text = '[';
  for (let index = 0; index < values.length; index += 1) {
    if (index > 0) text += ',';
    text += serialise(values[index]) ?? 'null';
  }
  return `${text}]`;
}

function serialiseObject(object: Record<string, unknown>): string {
  if (typeof (object as { toJSON?: unknown }).toJSON === 'function') {
    return serialise((object as { toJSON: () => unknown }).toJSON()) ?? 'null';
  }
  const keys = Object.keys(object);
  if (!isSorted(keys)) keys.sort();
  let text = '{';
  for (const key of keys) {
    const value = serialise(object[key]);
    if (value === undefined) continue;
    if (text.length > 1) text += ',';
    text += `${JSON.stringify(key)}:${value}`;
  }
  return `${text}}`;
}

function isSorted(keys: readonly string[]): boolean {
  for (let index = 1; index < keys.length; index += 1) {
    if (keys[index - 1]! > keys[index]!) return false;
  }
  return true;
}
