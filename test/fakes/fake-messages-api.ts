// A local HTTP server speaking the Anthropic Messages API wire format (POST /v1/messages,
// GET /v1/models): checks the key and the version header, answers real response bodies, and
// plays scripted replies (429 with retry-after, 529, 500...) in order. Listens on 127.0.0.1:0.
// Optionally bills prompt caching the way the API does (fake-prompt-cache.ts), answers after
// a delay, and sends `anthropic-ratelimit-*` headers.

import { blocksOf, FakePromptCache } from './fake-prompt-cache.js';

import {
  type ReceivedRequest,
  type ScriptedReply,
  type ScriptedServer,
  sendJson,
  startScriptedServer,
} from './scripted-http-server.js';

export type { ReceivedRequest, ScriptedReply };

export interface FakeMessagesApiOptions {
  /** The key the server accepts, as x-api-key or Authorization: Bearer. */
  apiKey: string;
  /** Model ids GET /v1/models lists. */
  models?: string[];
  /** A prompt containing this is never answered (until the client goes away). Default `[[hang]]`. */
  hangMarker?: string;
  /** Bill prompt caching (usage from the request's blocks) instead of the fixed FAKE_USAGE. */
  caching?: boolean;
  /** Milliseconds before each message is answered (real time). Default 0. */
  latencyMs?: number;
  /** Headers for the n-th POST /v1/messages (1-based), e.g. anthropic-ratelimit-*. */
  headersFor?: (request: number) => Record<string, string>;
  /**
   * A request limit per window, as the API enforces it: every message answer says the
   * requests left and when the window refills (anthropic-ratelimit-requests-*); a request over
   * the limit gets a 429 rate_limit_error. The window refills when the test calls refill().
   */
  requestWindow?: { limit: number; resetAt: () => number };
}

/** `url` is the server's root, e.g. http://127.0.0.1:40123, as ANTHROPIC_BASE_URL is given. */
export type FakeMessagesApi = ScriptedServer & {
  /** The prompt cache's bookkeeping (writes and reads so far), when `caching` is on. */
  cache: FakePromptCache;
  /** Requests in the current window, and the 429s sent (requestWindow). */
  window: { used: number; rejected: number };
  /** Starts a new request window (requestWindow). */
  refill(): void;
};

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

function messageBody(model: string, text: string, usage: object = FAKE_USAGE): Record<string, unknown> {
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
    usage,
  };
}

function promptOf(body: unknown): string {
  return blocksOf(body)
    .map((block) => block.text)
    .join('\n');
}

export async function startFakeMessagesApi(options: FakeMessagesApiOptions): Promise<FakeMessagesApi> {
  const hangMarker = options.hangMarker ?? '[[hang]]';
  const models = options.models ?? ['claude-haiku-5-5', 'claude-sonnet-5-5', 'claude-opus-5-5'];
  const cache = new FakePromptCache();
  let messageRequests = 0;
  const window = { used: 0, rejected: 0 };
  const windowHeaders = (): Record<string, string> => {
    const limits = options.requestWindow;
    if (!limits) return {};
    return {
      'anthropic-ratelimit-requests-limit': String(limits.limit),
      'anthropic-ratelimit-requests-remaining': String(Math.max(0, limits.limit - window.used)),
      'anthropic-ratelimit-requests-reset': new Date(limits.resetAt()).toISOString(),
    };
  };

  const server = await startScriptedServer(({ method, path, headers, body }, response, nextScripted) => {
    const isMessage = method === 'POST' && path === '/v1/messages';
    const extra = isMessage && options.headersFor ? options.headersFor(++messageRequests) : {};
    const send = (reply: ScriptedReply) => sendJson(response, reply, { 'request-id': 'req_fake', ...extra });
    const key = headers['x-api-key'] ?? headers.authorization?.replace(/^Bearer /, '');
    if (key !== options.apiKey) {
      send(anthropicError(401, 'authentication_error', 'invalid x-api-key'));
      return;
    }
    if (!headers['anthropic-version']) {
      send(anthropicError(400, 'invalid_request_error', 'anthropic-version: header is required'));
      return;
    }
    if (method === 'GET' && path === '/v1/models') {
      const data = models.map((id) => ({
        type: 'model',
        id,
        display_name: id,
        created_at: '2026-10-07T00:00:00Z',
      }));
      send({
        status: 200,
        body: { data, has_more: false, first_id: models[0] ?? null, last_id: models.at(-1) ?? null },
      });
      return;
    }
    if (method !== 'POST' || path !== '/v1/messages') {
      send(anthropicError(404, 'not_found_error', `no route ${method} ${path}`));
      return;
    }
    if (promptOf(body).includes(hangMarker)) return; // never answered: the client must abort
    if (options.requestWindow) {
      if (window.used >= options.requestWindow.limit) {
        window.rejected++;
        send(
          anthropicError(429, 'rate_limit_error', 'Number of requests has exceeded your rate limit', {
            'retry-after': '1',
            ...windowHeaders(),
          }),
        );
        return;
      }
      window.used++;
      Object.assign(extra, windowHeaders());
    }
    const scripted = nextScripted();
    if (scripted) {
      send(scripted);
      return;
    }
    const parsed = body as { model?: string; output_config?: unknown };
    const model = parsed.model ?? 'claude-haiku-5-5';
    const text = parsed.output_config ? JSON.stringify(VALID_PLAN) : `fake answer from ${model}`;
    const billed = options.caching ? cache.bill(model, body) : undefined;
    const usage = billed ? { ...FAKE_USAGE, ...billed.usage, output_tokens: 20 } : FAKE_USAGE;
    const answer = () => {
      send({ status: 200, body: messageBody(model, text, usage) });
      billed?.land();
    };
    if (options.latencyMs) setTimeout(answer, options.latencyMs);
    else answer();
  });
  return Object.assign(server, {
    cache,
    window,
    refill: () => {
      window.used = 0;
    },
  });
}

/** A successful message body with the given text, for scripting. */
export function messageReply(model: string, text: string): ScriptedReply {
  return { status: 200, body: messageBody(model, text) };
}
