// The wire side of the `openai-compatible` provider: where the server is, one JSON request with
// its error mapping, and the token-free model-list check. The provider class builds the bodies.

import { z } from 'zod';
import { SymbiontError } from '../../core/errors.js';
import { redactUrl } from '../../core/redact.js';
import type { TextSink } from '../../ports/model-provider.js';
import { abortReason, connectionError, errorFromHttpStatus, redact } from './http-error.js';
import { readChatStream } from './openai-compatible-stream.js';
import { invalidOption, type ProviderCheck } from './provider-options.js';

const KEY_VARIABLE = 'OPENAI_API_KEY';
export const PROVIDER_NAME = 'openai-compatible';

const modelListSchema = z.object({ data: z.array(z.object({ id: z.string() })) });

/** OpenAI's `{error: {message, type, code}}`, or Ollama's and others' `{error: "..."}`. */
const errorBodySchema = z.object({
  error: z.union([
    z.string(),
    z.object({
      message: z.string().nullish(),
      type: z.string().nullish(),
      code: z.union([z.string(), z.number()]).nullish(),
    }),
  ]),
});

/** Where and how to reach the server. */
export interface OpenAICompatibleConnection {
  readonly baseURL: string;
  readonly apiKey?: string | undefined;
  readonly fetch?: typeof fetch | undefined;
  readonly now?: (() => number) | undefined;
}

/**
 * Lists the served models (GET {base}/models) and reports the `expected` ones that are missing,
 * spending no tokens. With no expected models, a list is enough to pass.
 */
export async function checkOpenAICompatibleServer(
  connection: OpenAICompatibleConnection,
  expected: readonly string[],
  signal: AbortSignal,
): Promise<ProviderCheck> {
  const baseURL = parseBaseURL(connection.baseURL);
  try {
    const payload = await sendJson(
      { ...connection, baseURL },
      'GET',
      '/models',
      undefined,
      undefined,
      signal,
    );
    const parsed = modelListSchema.safeParse(payload);
    if (!parsed.success) {
      return { ok: false, detail: `${redactUrl(baseURL)}/models did not answer with a model list` };
    }
    const available = new Set(parsed.data.data.map((model) => model.id));
    const missing = expected.filter((model) => !available.has(model));
    const detail = `listed ${available.size} models at ${redactUrl(baseURL)}`;
    if (missing.length > 0) return { ok: false, detail: `${detail}; not served: ${missing.join(', ')}` };
    return { ok: true, detail };
  } catch (error) {
    if (signal.aborted) return { ok: false, detail: `check stopped: ${String(abortReason(signal))}` };
    return { ok: false, detail: error instanceof Error ? error.message : String(error) };
  }
}

/** One JSON request; an HTTP failure or an unreachable server becomes a SymbiontError. */
export async function sendJson(
  connection: OpenAICompatibleConnection,
  method: 'GET' | 'POST',
  path: string,
  body: unknown,
  model: string | undefined,
  signal: AbortSignal,
  onText?: TextSink,
): Promise<unknown> {
  if (signal.aborted) throw abortReason(signal);
  const { baseURL, apiKey } = connection;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  const secrets = [apiKey];
  const fetchFunction = connection.fetch ?? globalThis.fetch;
  let response: Response;
  let text: string;
  try {
    response = await fetchFunction(`${baseURL}${path}`, {
      method,
      headers,
      signal,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (onText && response.ok) return await readChatStream(response, onText);
    text = await response.text();
  } catch (error) {
    if (signal.aborted) throw abortReason(signal);
    if (SymbiontError.is(error)) throw error;
    throw connectionError(PROVIDER_NAME, baseURL, error, secrets);
  }
  if (!response.ok) {
    const detail = readErrorBody(text);
    throw errorFromHttpStatus({
      provider: PROVIDER_NAME,
      status: response.status,
      headers: response.headers,
      apiMessage: detail.message,
      apiType: detail.type,
      apiCode: detail.code,
      model,
      baseURL,
      keyVariable: apiKey ? KEY_VARIABLE : `${KEY_VARIABLE} (none is set)`,
      secrets,
      now: (connection.now ?? Date.now)(),
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SymbiontError(
      'PROVIDER_BAD_OUTPUT',
      redact(`${baseURL}${path} answered with non-JSON`, secrets),
      {
        retryable: true,
        context: { provider: PROVIDER_NAME, status: response.status },
      },
    );
  }
}

function readErrorBody(text: string): { message?: string; type?: string; code?: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const trimmed = text.trim();
    return trimmed && trimmed.length <= 200 && !trimmed.startsWith('<') ? { message: trimmed } : {};
  }
  const parsed = errorBodySchema.safeParse(json);
  if (!parsed.success) return {};
  const error = parsed.data.error;
  if (typeof error === 'string') return { message: error };
  return {
    ...(error.message ? { message: error.message } : {}),
    ...(error.type ? { type: error.type } : {}),
    ...(error.code !== undefined && error.code !== null ? { code: String(error.code) } : {}),
  };
}

export function parseBaseURL(value: string | undefined): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new SymbiontError(
      'CONFIG',
      'the openai-compatible provider needs a base URL: pass --base-url or set OPENAI_BASE_URL',
      { context: { field: 'baseURL' } },
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidOption('baseURL', 'an http(s) URL', redactUrl(value));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidOption('baseURL', 'an http(s) URL', redactUrl(value));
  }
  return value.replace(/\/+$/, '');
}

/** Whether the server runs on this machine, so its tokens cost nothing by default. */
export function isLocalURL(baseURL: string): boolean {
  const host = new URL(baseURL).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '::1' ||
    host === '0.0.0.0' ||
    /^127(\.\d{1,3}){3}$/.test(host)
  );
}
