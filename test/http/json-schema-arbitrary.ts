// fast-check arbitraries read from JSON Schema (the subset /openapi.json uses): values the
// schema accepts, and near misses (a required field dropped, an unknown one added, a value of
// the wrong type). Sizes are kept small so that a fuzz run stays quick.

import fc from 'fast-check';

export type JsonSchema = Record<string, unknown>;

const MAX_STRING = 24;
const MAX_ITEMS = 3;

export class SchemaArbitraries {
  constructor(private readonly components: Record<string, JsonSchema>) {}

  private resolve(schema: JsonSchema): JsonSchema {
    const ref = schema.$ref;
    if (typeof ref !== 'string') return schema;
    const target = this.components[ref.replace('#/components/schemas/', '')];
    if (target === undefined) throw new Error(`unresolved ${ref}`);
    return this.resolve(target);
  }

  /** Values the schema accepts. */
  valid(input: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
    const schema = this.resolve(input);
    if ('const' in schema) return fc.constant(schema.const);
    if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
    const branches = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
    if (branches !== undefined) {
      const { anyOf: _anyOf, oneOf: _oneOf, ...rest } = schema;
      // Branches without a type only add constraints (e.g. which field is required) to the rest.
      return fc.oneof(
        ...branches.map((branch) =>
          this.valid(
            branch.type === undefined && branch.$ref === undefined ? merge(rest, branch) : branch,
            depth,
          ),
        ),
      );
    }
    const type = Array.isArray(schema.type) ? undefined : schema.type;
    if (Array.isArray(schema.type)) {
      return fc.oneof(...(schema.type as string[]).map((one) => this.valid({ ...schema, type: one }, depth)));
    }
    switch (type) {
      case 'string':
        return stringOf(schema);
      case 'integer':
        return fc.integer({ min: bound(schema, 'minimum', -1000), max: bound(schema, 'maximum', 1000) });
      case 'number':
        return fc.double({
          min: bound(schema, 'minimum', -1000),
          max: bound(schema, 'maximum', 1000),
          noNaN: true,
          noDefaultInfinity: true,
        });
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      case 'array': {
        const items = (schema.items ?? {}) as JsonSchema;
        const minLength = Number(schema.minItems ?? 0);
        const maxLength = Math.max(minLength, Math.min(Number(schema.maxItems ?? MAX_ITEMS), MAX_ITEMS));
        return depth > 4 ? fc.constant([]) : fc.array(this.valid(items, depth + 1), { minLength, maxLength });
      }
      case 'object': {
        const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
        const required = (schema.required ?? []) as string[];
        const model: Record<string, fc.Arbitrary<unknown>> = {};
        for (const [name, property] of Object.entries(properties))
          model[name] = this.valid(property, depth + 1);
        return fc.record(model, { requiredKeys: required.filter((name) => name in model) });
      }
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  }

  /** Values the schema (probably) refuses, or accepts by chance: the validation must tell. */
  nearMiss(input: JsonSchema): fc.Arbitrary<unknown> {
    const schema = this.resolve(input);
    const wrongType = fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.integer(),
      fc.constant(null),
      fc.array(fc.integer()),
    );
    if (schema.type !== 'object' && schema.anyOf === undefined) return wrongType;
    const base = this.valid(schema) as fc.Arbitrary<Record<string, unknown>>;
    return fc.oneof(
      wrongType,
      base.map((value) => ({ ...value, ['unexpected_field']: 1 })),
      fc.tuple(base, fc.nat()).map(([value, pick]) => {
        const keys = Object.keys(value);
        if (keys.length === 0) return value;
        const { [keys[pick % keys.length]!]: _dropped, ...rest } = value;
        return rest;
      }),
      fc.tuple(base, fc.nat(), wrongType).map(([value, pick, wrong]) => {
        const keys = Object.keys(value);
        return keys.length === 0 ? wrong : { ...value, [keys[pick % keys.length]!]: wrong };
      }),
    );
  }
}

function merge(base: JsonSchema, extra: JsonSchema): JsonSchema {
  const required = [...((base.required ?? []) as string[]), ...((extra.required ?? []) as string[])];
  return { ...base, ...extra, required: [...new Set(required)] };
}

function bound(schema: JsonSchema, key: 'minimum' | 'maximum', fallback: number): number {
  const value = schema[key];
  return typeof value === 'number' ? value : fallback;
}

function stringOf(schema: JsonSchema): fc.Arbitrary<string> {
  if (typeof schema.pattern === 'string') return fc.stringMatching(new RegExp(schema.pattern));
  const minLength = Number(schema.minLength ?? 0);
  const maxLength = Math.max(minLength, Math.min(Number(schema.maxLength ?? MAX_STRING), MAX_STRING));
  return fc.string({ minLength, maxLength });
}
