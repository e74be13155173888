// A local HTTP server speaking the OpenAI chat-completions wire format (POST /v1/chat/completions,
// GET /v1/models), as Ollama, vLLM and llama.cpp server do: checks the bearer key when one is
// configured, answers real bodies with usage, and plays scripted replies in order. 127.0.0.1:0.

import {
  piecesOf,
  type ReceivedRequest,
  type ScriptedReply,
  type ScriptedServer,
  type SseFrame,
  sendJson,
  sendSse,
  startScriptedServer,
} from './scripted-http-server.js';

export type { ReceivedRequest, ScriptedReply };

export interface FakeChatCompletionsOptions {
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Models the server serves; others get a 404 `model_not_found`. */
  models?: string[];
  /** A prompt containing this is never answered. Default `[[hang]]`. */
  hangMarker?: string;
  /** For `stream: true` requests: ms between chunks. Default 0. */
  streamGapMs?: number;
  /** For `stream: true` requests: characters per delta. Default 8. */
  streamChunkChars?: number;
}

/** `url` ends with /v1, as OPENAI_BASE_URL is given. */
export type FakeChatCompletions = ScriptedServer;

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

/**
 * A completion as chat completions stream it (stream_options.include_usage): a first chunk with
 * the role, one `chat.completion.chunk` per piece in choices[0].delta.content, one with the
 * finish_reason, a last one with `usage` and no choices, then `data: [DONE]`.
 */
export function completionStreamFrames(completion: Record<string, unknown>, chunkChars: number): SseFrame[] {
  const choice = (
    completion.choices as Array<{ message: { content: string | null }; finish_reason: string }>
  )[0]!;
  const base = {
    id: completion.id,
    object: 'chat.completion.chunk',
    created: completion.created,
    model: completion.model,
    system_fingerprint: completion.system_fingerprint ?? null,
  };
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null): SseFrame => ({
    data: {
      ...base,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      usage: null,
    },
  });
  return [
    chunk({ role: 'assistant', content: '', refusal: null }),
    ...piecesOf(choice.message.content ?? '', chunkChars).map((content) => chunk({ content })),
    chunk({}, choice.finish_reason),
    { data: { ...base, choices: [], usage: completion.usage } },
    { data: '[DONE]' },
  ];
}

export async function startFakeChatCompletions(
  options: FakeChatCompletionsOptions = {},
): Promise<FakeChatCompletions> {
  const models = options.models ?? ['small-model', 'medium-model', 'large-model'];
  const hangMarker = options.hangMarker ?? '[[hang]]';

  return startScriptedServer(({ method, path, headers, body }, response, nextScripted) => {
    const streamed = (body as { stream?: unknown } | undefined)?.stream === true;
    const send = (reply: ScriptedReply) => {
      const completion = reply.body as { object?: unknown } | undefined;
      if (streamed && reply.status === 200 && completion?.object === 'chat.completion') {
        const frames = completionStreamFrames(
          reply.body as Record<string, unknown>,
          options.streamChunkChars ?? 8,
        );
        void sendSse(response, frames, options.streamGapMs ?? 0, reply.headers);
        return;
      }
      sendJson(response, reply);
    };
    if (options.apiKey !== undefined && headers.authorization !== `Bearer ${options.apiKey}`) {
      send(openAIError(401, 'invalid_request_error', 'Incorrect API key provided.', 'invalid_api_key'));
      return;
    }
    if (method === 'GET' && path === '/v1/models') {
      const data = models.map((id) => ({ id, object: 'model', created: 1_790_000_000, owned_by: 'fake' }));
      send({ status: 200, body: { object: 'list', data } });
      return;
    }
    if (method !== 'POST' || path !== '/v1/chat/completions') {
      send(openAIError(404, 'invalid_request_error', `Unknown request URL: ${method} ${path}`));
      return;
    }
    const parsed = body as {
      model?: string;
      messages?: Array<{ content?: string }>;
      response_format?: unknown;
    };
    if ((parsed.messages ?? []).some((message) => message.content?.includes(hangMarker))) return;
    const scripted = nextScripted();
    if (scripted) {
      send(scripted);
      return;
    }
    const model = parsed.model ?? '';
    if (!models.includes(model)) {
      send(
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
    send(completionReply(model, content));
  }, '/v1');
}
