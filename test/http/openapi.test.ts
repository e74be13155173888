import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { planSchemaWith } from '../../src/core/plan-schema.js';
import { ROUTES } from '../../src/http/routes.js';
import { schemaRegistry } from '../../src/http/schemas/schema-registry.js';
import { startTestServer, type TestServer } from './test-server.js';

interface SchemaNode {
  type?: string;
  additionalProperties?: unknown;
  maxLength?: number;
  maxItems?: number;
  properties: Record<string, SchemaNode>;
}
interface Operation {
  operationId: string;
  security: unknown;
  parameters: { name: string; in: string }[];
  requestBody?: { required: boolean; content: Record<string, { schema: SchemaNode }> };
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refsIn(item, found);
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string') found.push(inner);
      else refsIn(inner, found);
    }
  }
  return found;
}

describe('GET /openapi.json', () => {
  let server: TestServer;
  let document: Document;
  beforeAll(async () => {
    server = await startTestServer({
      store: 'memory',
      server: { limits: { promptMaxChars: 1234, listMaxLimit: 77 } },
    });
    const response = await server.call('/openapi.json');
    expect(response.status).toBe(200);
    document = (await response.json()) as Document;
  });
  afterAll(() => server.close());

  it('describes every route of the route table', () => {
    expect(document.openapi).toBe('3.1.0');
    for (const route of ROUTES) {
      const path = route.url.replace(/:([a-z]+)/g, '{$1}');
      const operation = document.paths[path]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.url}`).toBeDefined();
      expect(operation?.operationId).toBe(route.operationId);
      expect(operation?.security).toEqual(route.auth === 'public' ? [] : [{ bearer: [] }]);
    }
    const operations = Object.values(document.paths).flatMap((item) => Object.values(item));
    expect(operations).toHaveLength(ROUTES.length);
  });

  it('derives the POST /tasks body from the validating schema, with the configured caps', () => {
    const body = document.paths['/tasks']?.post?.requestBody;
    expect(body?.required).toBe(true);
    const schema = body?.content['application/json']?.schema;
    expect(schema?.additionalProperties).toBe(false);
    expect(schema?.properties.prompt?.maxLength).toBe(1234);
    expect(schema?.properties.plan?.properties.subtasks?.maxItems).toBe(500);
    expect(schema?.properties.options?.properties.concurrency?.type).toBe('integer');
  });

  it("documents the plan of POST /tasks as core's plan schema (the one `run --plan` reads)", () => {
    const plan =
      document.paths['/tasks']?.post?.requestBody?.content['application/json']?.schema.properties.plan;
    const core = z.toJSONSchema(planSchemaWith({ maxSubtasks: 500, maxChars: 1234 }), {
      io: 'input',
      metadata: schemaRegistry,
    }) as {
      properties: unknown;
    };
    expect(plan?.properties).toEqual(core.properties);
  });

  it('documents path, query and header parameters', () => {
    const events = document.paths['/tasks/{id}/events']?.get;
    const names = events?.parameters.map((parameter) => `${parameter.in}:${parameter.name}`);
    expect(names).toEqual(expect.arrayContaining(['path:id', 'header:last-event-id', 'query:last_event_id']));
    const list = document.paths['/tasks']?.get;
    expect(list?.parameters.map((parameter) => parameter.name)).toEqual(['limit']);
  });

  it('says what validation accepts: the bounds of limit, and a prompt or a plan', async () => {
    const limit = document.paths['/tasks']?.get?.parameters[0] as unknown as {
      schema: Record<string, unknown>;
    };
    expect(limit.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 77 });
    expect((await server.call('/tasks?limit=77')).status).toBe(200);
    expect((await server.call('/tasks?limit=78')).status).toBe(400);
    const body = document.paths['/tasks']?.post?.requestBody?.content['application/json']
      ?.schema as unknown as {
      anyOf: unknown;
    };
    expect(body.anyOf).toEqual([{ required: ['prompt'] }, { required: ['plan'] }]);
    const neither = await server.call('/tasks', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ options: {} }),
    });
    expect(neither.status).toBe(400);
  });

  it('lists the statuses each kind of route answers', () => {
    const statuses = (path: string, method: string) =>
      Object.keys((document.paths[path]?.[method] as unknown as { responses?: object })?.responses ?? {});
    expect(statuses('/tasks', 'post')).toEqual(
      expect.arrayContaining(['202', '400', '401', '403', '409', '413', '415', '422', '429', '503']),
    );
    expect(statuses('/tasks/{id}', 'get')).toEqual(
      expect.arrayContaining(['200', '400', '401', '403', '404', '429', '503']),
    );
    expect(statuses('/healthz', 'get')).toEqual(['200', '503']);
    expect(statuses('/metrics', 'get')).toEqual(expect.arrayContaining(['401', '403']));
  });

  it('points every $ref at a component that exists', () => {
    const refs = refsIn(document);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref.startsWith('#/components/schemas/')).toBe(true);
      expect(document.components.schemas[ref.slice('#/components/schemas/'.length)], ref).toBeDefined();
    }
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining(['Task', 'Subtask', 'TaskSummary', 'Error', 'SubmitReceipt']),
    );
  });
});
