// The shape of one entry in the route table: method, URL, who may call it, the zod schemas
// that validate its input, the responses it documents, and its handler. Fastify routes and
// the OpenAPI document are both generated from these entries.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { TaskEvent } from '../core/events.js';
import type { TaskService } from '../engine/task-service.js';
import type { LedgerEntry } from '../ports/ledger.js';
import type { Principal } from './auth.js';
import type { ServerMetrics } from './metrics.js';
import type { TaskReadCache } from './task-read-cache.js';

/** `public`: no token ever; `token`: any valid token; `admin`: an admin token. */
export type AuthLevel = 'public' | 'token' | 'admin';

export interface RouteSchemas {
  params?: z.ZodType;
  querystring?: z.ZodType;
  headers?: z.ZodType;
  body?: z.ZodType;
}

export interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  /** Default application/json. */
  contentType?: string;
}

type Parsed<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface RouteInput<S extends RouteSchemas> {
  params: Parsed<S['params']>;
  query: Parsed<S['querystring']>;
  headers: Parsed<S['headers']>;
  body: Parsed<S['body']>;
}

/** What the server's routes need besides the engine. App (src/app/compose.ts) fits it. */
export interface ServerBackend {
  service: TaskService;
  providerName: string;
  /** Every ledgered model call, for /metrics. */
  observeCalls?(listener: (entry: LedgerEntry) => void): () => void;
  /** Every stored event of every task this process runs, for /metrics. */
  observeEvents?(listener: (event: TaskEvent) => void): () => void;
  verifyLedger(): Promise<unknown>;
  costReport(by: 'model' | 'day' | 'task'): Promise<unknown>;
  /** Rejects when the store cannot take writes now (readiness for /healthz). */
  checkReady?(): Promise<void>;
}

export interface RouteContext {
  principal: Principal;
  backend: ServerBackend;
  metrics: ServerMetrics;
  request: FastifyRequest;
  reply: FastifyReply;
  /** The OpenAPI document of this server. */
  openapi: () => unknown;
  /** The dashboard page. */
  dashboard: () => string;
  heartbeatMs: number;
  /** Aborts when the server is closing (ends event streams). */
  shutdown: AbortSignal;
  /** Task records for GET, kept in memory while unchanged. */
  taskCache: TaskReadCache;
}

export type RouteOutcome =
  | { status: number; body: unknown; contentType?: string; headers?: Record<string, string> }
  /** The handler wrote the response itself (server-sent events). */
  | { streamed: true };

export interface RouteDefinition<S extends RouteSchemas = RouteSchemas> {
  method: 'GET' | 'POST';
  /** Fastify syntax: `/tasks/:id`. */
  url: string;
  operationId: string;
  summary: string;
  auth: AuthLevel;
  /** Also open to the scrape token (ServerOptions.metricsToken), whatever `auth` says. */
  scrapeToken?: boolean;
  schemas: S;
  responses: Record<number, ResponseDoc>;
  /** May answer without waiting (a cached read), else returns a promise. */
  handler: (input: RouteInput<S>, context: RouteContext) => RouteOutcome | Promise<RouteOutcome>;
}

/** A route with its input types erased, as kept in the table. */
export type AnyRoute = RouteDefinition<RouteSchemas>;

/** Checks a route's handler against its schemas, then erases the types for the table. */
export function defineRoute<S extends RouteSchemas>(route: RouteDefinition<S>): AnyRoute {
  return route as unknown as AnyRoute;
}
