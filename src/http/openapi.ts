// /openapi.json, generated from the route table: the zod schemas that validate each route's
// params, query, headers and body are turned into JSON Schema (z.toJSONSchema), so the
// document cannot drift from what the server accepts.

import { z } from 'zod';
import { applyJsonSchemaHint } from './json-schema-hints.js';
import type { AnyRoute } from './route-types.js';
import { schemaRegistry } from './schemas/schema-registry.js';

type JsonSchema = Record<string, unknown>;

const COMPONENT_PREFIX = '#/components/schemas/';

/** Moves `$defs` into the document's components and points the refs there. */
function hoist(schema: JsonSchema, components: Record<string, JsonSchema>): JsonSchema {
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (typeof value !== 'object' || value === null) return value;
    const out: JsonSchema = {};
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$schema' || key === '$defs') continue;
      out[key] =
        key === '$ref' && typeof inner === 'string'
          ? inner.replace('#/$defs/', COMPONENT_PREFIX)
          : rewrite(inner);
    }
    return out;
  };
  const defs = (schema.$defs ?? {}) as Record<string, JsonSchema>;
  for (const [name, def] of Object.entries(defs)) components[name] ??= rewrite(def) as JsonSchema;
  return rewrite(schema) as JsonSchema;
}

function toSchema(
  schema: z.ZodType,
  io: 'input' | 'output',
  components: Record<string, JsonSchema>,
): JsonSchema {
  const json = z.toJSONSchema(schema, {
    io,
    metadata: schemaRegistry,
    unrepresentable: 'any',
    override: applyJsonSchemaHint,
  }) as JsonSchema;
  return hoist(json, components);
}

function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z_]+)/g, '{$1}');
}

function parameters(
  schema: z.ZodType | undefined,
  location: 'path' | 'query' | 'header',
  components: Record<string, JsonSchema>,
): JsonSchema[] {
  if (schema === undefined) return [];
  const json = toSchema(schema, 'input', components);
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: location,
      required: location === 'path' || required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

export function buildOpenApiDocument(routes: readonly AnyRoute[], info: OpenApiInfo): JsonSchema {
  const components: Record<string, JsonSchema> = {};
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const responses: Record<string, JsonSchema> = {};
    for (const [status, doc] of Object.entries(route.responses)) {
      const contentType = doc.contentType ?? 'application/json';
      responses[status] = {
        description: doc.description,
        content: { [contentType]: doc.schema ? { schema: toSchema(doc.schema, 'output', components) } : {} },
      };
    }
    const operation: JsonSchema = {
      operationId: route.operationId,
      summary: route.summary,
      parameters: [
        ...parameters(route.schemas.params, 'path', components),
        ...parameters(route.schemas.querystring, 'query', components),
        ...parameters(route.schemas.headers, 'header', components),
      ],
      responses,
      security: route.auth === 'public' ? [] : [{ bearer: [] }],
      ...(route.auth === 'admin' ? { 'x-symbiont-admin-only': true } : {}),
    };
    if (route.schemas.body) {
      operation.requestBody = {
        required: !route.schemas.body.safeParse(undefined).success,
        content: { 'application/json': { schema: toSchema(route.schemas.body, 'input', components) } },
      };
    }
    const path = openApiPath(route.url);
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'a token from `symbiont token create`; not needed when the server has no tokens',
        },
      },
    },
    security: [{ bearer: [] }],
  };
}
