// The components of /openapi.json: a zod schema registered here under a name is referenced
// (`#/components/schemas/Name`) wherever it appears, instead of being inlined each time.

import { z } from 'zod';

export const schemaRegistry = z.registry<{ id: string; description?: string }>();

/** Registers `schema` as the component `id` (the same object is returned, for use in place). */
export function named<T extends z.ZodType>(schema: T, id: string, description: string): T {
  schemaRegistry.add(schema, { id, description });
  return schema;
}
