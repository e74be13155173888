// What /openapi.json says about a schema where z.toJSONSchema cannot see what validation
// accepts: a refinement (prompt-or-plan), or a number sent as text in a query string (its
// bounds). A hint is attached to the zod schema object and merged into its JSON Schema by
// openapi.ts, so the document still comes from the very objects that validate.

import { z } from 'zod';

export type JsonSchemaHint = Record<string, unknown> & {
  /** Keys of the generated JSON Schema to drop before the hint is merged (e.g. `pattern`). */
  replaces?: readonly string[];
};

export const jsonSchemaHints = z.registry<JsonSchemaHint>();

/** Attaches `hint` to `schema` (the same object is returned, for use in place). */
export function withJsonSchema<T extends z.ZodType>(schema: T, hint: JsonSchemaHint): T {
  jsonSchemaHints.add(schema, hint);
  return schema;
}

/** Merges the hint of `schema`, if any, into its generated JSON Schema (z.toJSONSchema's `override`). */
export function applyJsonSchemaHint(ctx: { zodSchema: unknown; jsonSchema: Record<string, unknown> }): void {
  const hint = jsonSchemaHints.get(ctx.zodSchema as z.ZodType);
  if (hint === undefined) return;
  const { replaces = [], ...rest } = hint;
  for (const key of replaces) delete ctx.jsonSchema[key];
  Object.assign(ctx.jsonSchema, rest);
}
