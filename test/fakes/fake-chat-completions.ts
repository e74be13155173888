// A local HTTP server speaking the OpenAI chat-completions wire format (POST /v1/chat/completions,
// GET /v1/models), as Ollama, vLLM and llama.cpp server do: checks the bearer key when one is
// configured, answers real bodies with usage, and plays scripted replies in order. 127.0.0.1:0.

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

export interface FakeChatCompletionsOptions {
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Models the server serves; others get a 404 `model_not_found`. */
  models?: string[];
  /** A prompt containing this is never answered. Default `[[hang]]`. */
  hangMarker?: string;
}

export interface FakeChatCompletions {
  /** The base URL with /v1, as OPENAI_BASE_URL is given. */
  url: string;
  requests: ReceivedRequest[];
  script(...replies: ScriptedReply[]): void;
  close(): Promise<void>;
}

/** OpenAI's error body: {error: {message, type, param, code}}. */
export function openAIError(
  status: number,
  type: string,
  message: string,
  code: string | null = null,
  headers: Record<string, string> = {},
): ScriptedReply {
  return { status, headers, body: { error: { message, type, param: null, code } } };
}

export const FAKE_PLAN = {
  reasoning: 'Two steps.',
  subtasks: [
    { description: 'List three colours', tier_hint: 1, depends_on: [] },
    { description: 'Sort them', tier_hint: 2, depends_on: [0] },
  ],
};

export function completionReply(model: string, content: string): ScriptedReply {
  return {
    status: 200,
    body: {
      id: 'chatcmpl-fake',
      object: 'chat.completion',
      created: 1_790_000_000,
      model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content, refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 21, completion_tokens: 8, total_tokens: 29 },
      system_fingerprint: 'fp_fake',
    },
  };
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
  response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
  response.end(JSON.stringify(reply.body));
}

export async function startFakeChatCompletions(
  options: FakeChatCompletionsOptions = {},
): Promise<FakeChatCompletions> {
  const requests: ReceivedRequest[] = [];
  const queue: ScriptedReply[] = [];
  const models = options.models ?? ['small-model', 'medium-model', 'large-model'];
  const hangMarker = options.hangMarker ?? '[[hang]]';

  const server = createServer(async (request, response) => {
    const body = await readBody(request);
    const path = (request.url ?? '/').split('?')[0]!;
    requests.push({ method: request.method ?? 'GET', path, headers: request.headers, body });
    if (options.apiKey !== undefined && request.headers.authorization !== `Bearer ${options.apiKey}`) {
      send(
        response,
        openAIError(401, 'invalid_request_error', 'Incorrect API key provided.', 'invalid_api_key'),
      );
      return;
    }
    if (request.method === 'GET' && path === '/v1/models') {
      const data = models.map((id) => ({ id, object: 'model', created: 1_790_000_000, owned_by: 'fake' }));
      send(response, { status: 200, body: { object: 'list', data } });
      return;
    }
    if (request.method !== 'POST' || path !== '/v1/chat/completions') {
      send(
        response,
        openAIError(404, 'invalid_request_error', `Unknown request URL: ${request.method} ${path}`),
      );
      return;
    }
    const parsed = body as {
      model?: string;
      messages?: Array<{ content?: string }>;
      response_format?: unknown;
    };
    if ((parsed.messages ?? []).some((message) => message.content?.includes(hangMarker))) return;
    const scripted = queue.shift();
    if (scripted) {
      send(response, scripted);
      return;
    }
    const model = parsed.model ?? '';
    if (!models.includes(model)) {
      send(
        response,
        openAIError(
          404,
          'invalid_request_error',
          `The model \`${model}\` does not exist.`,
          'model_not_found',
        ),
      );
      return;
    }
    const content = parsed.response_format ? JSON.stringify(FAKE_PLAN) : `fake answer from ${model}`;
    send(response, completionReply(model, content));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (...replies) => queue.push(...replies),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
