/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Calls to the HTTP API with the bearer token (kept in sessionStorage, asked for only after a
// 401). Paths are relative to the page, so the dashboard works behind a path prefix.

const TOKEN_KEY = 'symbiont.token';

export const auth = {
  token: sessionStorage.getItem(TOKEN_KEY) as string | null,
  /** The server answered 401: the token form is shown until a token works. */
  required: false,
  message: '',
  onChange: (): void => {},
  set(token: string | null): void {
    this.token = token || null;
    if (this.token) sessionStorage.setItem(TOKEN_KEY, this.token);
    else sessionStorage.removeItem(TOKEN_KEY);
    this.onChange();
  },
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function authHeaders(extra?: HeadersInit): Headers {
  const headers = new Headers(extra ?? {});
  if (auth.token) headers.set('authorization', `Bearer ${auth.token}`);
  return headers;
}

/** The ApiError for an answer that is not ok; a 401 shows the token form. */
export async function errorFrom(response: Response): Promise<ApiError> {
  type ErrorBody = { error?: { code?: string; message?: string } } | null;
  let body: ErrorBody = null;
  try {
    body = (await response.json()) as ErrorBody;
  } catch {
    body = null;
  }
  const error = body?.error ?? {};
  const apiError = new ApiError(
    response.status,
    error.code || `HTTP_${response.status}`,
    error.message || response.statusText || 'request failed',
  );
  if (response.status === 401) {
    auth.required = true;
    auth.message = apiError.message;
    auth.onChange();
  }
  return apiError;
}

export interface ApiAnswer<T> {
  status: number;
  body: T;
}

/** A JSON call; resolves to {status, body}, rejects with an ApiError. */
export async function api<T = unknown>(
  path: string,
  init: { method?: string; headers?: HeadersInit; body?: string } = {},
): Promise<ApiAnswer<T>> {
  const headers = authHeaders(init.headers);
  headers.set('accept', 'application/json');
  let response: Response;
  try {
    response = await fetch(path, {
      method: init.method ?? 'GET',
      headers,
      ...(init.body !== undefined ? { body: init.body } : {}),
      cache: 'no-store',
    });
  } catch (error) {
    throw new ApiError(0, 'NETWORK', `the server cannot be reached (${(error as Error)?.message})`);
  }
  if (!response.ok) throw await errorFrom(response);
  if (auth.required) {
    auth.required = false;
    auth.message = '';
    auth.onChange();
  }
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

export function postJson<T = unknown>(path: string, value: unknown): Promise<ApiAnswer<T>> {
  return api<T>(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(value),
  });
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
