/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Follows a server-sent event stream of the API: EventSource when no token is needed, else
// fetch() reading the text/event-stream body, since EventSource cannot send Authorization.
// Reconnects after a drop; a 4xx answer ends it with an error.

import { ApiError, api, auth, authHeaders, errorFrom } from './api.js';
import { SseDecoder } from './sse-parse.js';

export type StreamState = 'idle' | 'live' | 'reconnecting' | 'ended' | 'error';

export interface StreamOptions {
  url: string;
  /** The event names to listen for (EventSource needs each). */
  eventNames: readonly string[];
  /** A JSON route that answers what the stream would, to learn why EventSource gave up. */
  probeUrl: string;
  /** The Last-Event-ID to resume from after a reconnect; null sends none. */
  resumeId?: () => number | null;
  /** One frame's event name and parsed data; returns true when the stream is complete. */
  onFrame(event: string, data: unknown, id: string | null): boolean;
  onState(state: StreamState, message?: string): void;
}

export interface FollowedStream {
  close(): void;
}

function errorMessage(data: unknown): string {
  const body = data as { error?: { message?: string } } | null;
  return body?.error?.message ?? 'the event stream failed';
}

export function followStream(options: StreamOptions): FollowedStream {
  return auth.token ? followWithFetch(options) : followWithEventSource(options);
}

function withResume(url: string, id: number | null): string {
  if (id === null || id <= 0) return url;
  return `${url}${url.includes('?') ? '&' : '?'}last_event_id=${id}`;
}

function followWithEventSource(options: StreamOptions): FollowedStream {
  let source: EventSource | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const stop = () => {
    stopped = true;
    clearTimeout(retryTimer);
    source?.close();
  };
  const onFrame = (message: Event) => {
    const frame = message as MessageEvent<string>;
    if (options.onFrame(frame.type, JSON.parse(frame.data), frame.lastEventId || null)) {
      stop();
      options.onState('ended');
    }
  };
  const retryLater = () => {
    if (stopped) return;
    options.onState('reconnecting');
    retryTimer = setTimeout(connect, 3000);
  };
  const onError = (message: Event) => {
    if (stopped) return;
    const data = (message as MessageEvent<string>).data;
    if (data) {
      options.onState('error', errorMessage(JSON.parse(data)));
    } else if (source?.readyState === EventSource.CLOSED) {
      // EventSource gives up on an answer that is not 200 without saying which: ask the API.
      api(options.probeUrl).then(
        () => retryLater(),
        (error: ApiError) =>
          error.status >= 400 && error.status < 500 ? options.onState('error', error.message) : retryLater(),
      );
    } else {
      options.onState('reconnecting');
    }
  };
  const connect = () => {
    if (stopped) return;
    source = new EventSource(withResume(options.url, options.resumeId?.() ?? null));
    for (const name of options.eventNames) source.addEventListener(name, onFrame);
    source.addEventListener('open', () => options.onState('live'));
    source.addEventListener('error', onError);
  };
  connect();
  return { close: stop };
}

function followWithFetch(options: StreamOptions): FollowedStream {
  const controller = new AbortController();
  let retryMs = 2000;
  let finished = false;
  let closed = false;
  const readOnce = async () => {
    const headers = authHeaders({ accept: 'text/event-stream' });
    const resume = options.resumeId?.() ?? null;
    if (resume !== null && resume > 0) headers.set('last-event-id', String(resume));
    const response = await fetch(options.url, { headers, signal: controller.signal, cache: 'no-store' });
    if (!response.ok) throw await errorFrom(response);
    options.onState('live');
    if (response.body === null) return;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    const decoder = new SseDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      for (const frame of decoder.push(value)) {
        if (frame.retry !== null) retryMs = frame.retry;
        if (frame.data === null) continue;
        const data: unknown = JSON.parse(frame.data);
        if (frame.event === 'error') options.onState('error', errorMessage(data));
        else if (options.onFrame(frame.event, data, frame.id)) finished = true;
      }
      if (finished) break;
    }
  };
  const loop = async () => {
    while (!finished && !controller.signal.aborted) {
      try {
        await readOnce();
      } catch (error) {
        if (controller.signal.aborted) return;
        if (error instanceof ApiError && error.status >= 400 && error.status < 500) {
          options.onState('error', error.message);
          return;
        }
      }
      if (finished || controller.signal.aborted) break;
      options.onState('reconnecting');
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
    controller.abort();
    if (finished && !closed) options.onState('ended');
  };
  void loop();
  return {
    close: () => {
      closed = true;
      controller.abort();
    },
  };
}
