// A local HTTP server speaking the Anthropic Messages API wire format (POST /v1/messages,
// GET /v1/models): checks the key and the version header, answers real response bodies, and
// plays scripted replies (429 with retry-after, 529, 500...) in order. Listens on 127.0.0.1:0.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface ScriptedReply {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

export interface FakeMessagesApiOptions {
  /** The key the server accepts, as x-api-key or Authorization: Bearer. */
  apiKey: string;
  /** Model ids GET /v1/models lists. */
  models?: string[];
  /** A prompt containing this is never answered (until the client goes away). Default `[[hang]]`. */
  hangMarker?: string;
}

export interface FakeMessagesApi {
  /** The base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  requests: ReceivedRequest[];
  /** Queues replies for the next calls to POST /v1/messages; after them, ordinary answers. */
  script(...replies: ScriptedReply[]): void;
  close(): Promise<void>;
}

/** The Messages API error body: {type: 'error', error: {type, message}}. */
export function anthropicError(
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
): ScriptedReply {
  return { status, headers, body: { type: 'error', error: { type, message }, request_id: 'req_fake' } };
}

export const VALID_PLAN = {
  reasoning: 'Two steps: list, then sort.',
  subtasks: [
    { description: 'List three colours', tier_hint: 1, depends_on: [] },
    { description: 'Sort them by wavelength', tier_hint: 2, depends_on: [0] },
  ],
};

export const FAKE_USAGE = {
  input_tokens: 12,
  output_tokens: 34,
  cache_creation_input_tokens: 5,
  cache_read_input_tokens: 7,
  cache_creation: { ephemeral_5m_input_tokens: 5, ephemeral_1h_input_tokens: 0 },
  server_tool_use: null,
  service_tier: 'standard',
  inference_geo: null,
  output_tokens_details: null,
  speed: null,
};

function messageBody(model: string, text: string): Record<string, unknown> {
  return {
    id: 'msg_fake_01',
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    container: null,
    diagnostics: null,
    usage: FAKE_USAGE,
  };
}

function promptOf(body: unknown): string {
  const messages = (body as { messages?: Array<{ content?: unknown }> }).messages ?? [];
  return messages.map((message) => (typeof message.content === 'string' ? message.content : '')).join('\n');
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function send(response: ServerResponse, reply: ScriptedReply): void {
  response.writeHead(reply.status, {
    'content-type': 'application/json',
    'request-id': 'req_fake',
    ...reply.headers,
  });
  response.end(JSON.stringify(reply.body));
}

export async function startFakeMessagesApi(options: FakeMessagesApiOptions): Promise<FakeMessagesApi> {
  const requests: ReceivedRequest[] = [];
  const queue: ScriptedReply[] = [];
  const hangMarker = options.hangMarker ?? '[[hang]]';
  const models = options.models ?? ['claude-haiku-5-5', 'claude-sonnet-5-5', 'claude-opus-5-5'];

  const server = createServer(async (request, response) => {
    const body = await readBody(request);
    const path = (request.url ?? '/').split('?')[0]!;
    requests.push({ method: request.method ?? 'GET', path, headers: request.headers, body });
    const key = request.headers['x-api-key'] ?? request.headers.authorization?.replace(/^Bearer /, '');
    if (key !== options.apiKey) {
      send(response, anthropicError(401, 'authentication_error', 'invalid x-api-key'));
      return;
    }
    if (!request.headers['anthropic-version']) {
      send(response, anthropicError(400, 'invalid_request_error', 'anthropic-version: header is required'));
      return;
    }
    if (request.method === 'GET' && path === '/v1/models') {
      const data = models.map((id) => ({
        type: 'model',
        id,
        display_name: id,
        created_at: '2026-10-07T00:00:00Z',
      }));
      send(response, {
        status: 200,
        body: { data, has_more: false, first_id: models[0] ?? null, last_id: models.at(-1) ?? null },
      });
      return;
    }
    if (request.method !== 'POST' || path !== '/v1/messages') {
      send(response, anthropicError(404, 'not_found_error', `no route ${request.method} ${path}`));
      return;
    }
    if (promptOf(body).includes(hangMarker)) return; // never answered: the client must abort
    const scripted = queue.shift();
    if (scripted) {
      send(response, scripted);
      return;
    }
    const parsed = body as { model?: string; output_config?: unknown };
    const model = parsed.model ?? 'claude-haiku-5-5';
    const text = parsed.output_config ? JSON.stringify(VALID_PLAN) : `fake answer from ${model}`;
    send(response, { status: 200, body: messageBody(model, text) });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (...replies) => queue.push(...replies),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A successful message body with the given text, for scripting. */
export function messageReply(model: string, text: string): ScriptedReply {
  return { status: 200, body: messageBody(model, text) };
}
