// What the fake model APIs share: a server on 127.0.0.1:0 that records every request (body
// parsed as JSON when it is JSON), keeps a queue of scripted replies for the fake to play in
// order, answers JSON, and closes with its connections.

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

export interface ScriptedServer {
  /** The base URL: http://127.0.0.1:<port> followed by the fake's base path. */
  url: string;
  requests: ReceivedRequest[];
  /** Queues replies for the next model calls; after them, the fake answers as usual. */
  script(...replies: ScriptedReply[]): void;
  close(): Promise<void>;
}

/** How a fake answers one request; `nextScripted` takes the next queued reply, if any. */
export type FakeHandler = (
  request: ReceivedRequest,
  response: ServerResponse,
  nextScripted: () => ScriptedReply | undefined,
) => void;

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

/** Writes `reply` as JSON, with `headers` under the reply's own. */
export function sendJson(
  response: ServerResponse,
  reply: ScriptedReply,
  headers: Record<string, string> = {},
): void {
  response.writeHead(reply.status, { 'content-type': 'application/json', ...headers, ...reply.headers });
  response.end(JSON.stringify(reply.body));
}

export async function startScriptedServer(handle: FakeHandler, basePath = ''): Promise<ScriptedServer> {
  const requests: ReceivedRequest[] = [];
  const queue: ScriptedReply[] = [];
  const server = createServer(async (incoming, response) => {
    const body = await readBody(incoming);
    const path = (incoming.url ?? '/').split('?')[0]!;
    const request = { method: incoming.method ?? 'GET', path, headers: incoming.headers, body };
    requests.push(request);
    handle(request, response, () => queue.shift());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${basePath}`,
    requests,
    script: (...replies) => queue.push(...replies),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** One server-sent event: `event:` when named, `data:` the JSON (or a raw string such as `[DONE]`). */
export interface SseFrame {
  event?: string;
  data: unknown;
}

/**
 * Answers `frames` as a text/event-stream, one write per frame, `gapMs` apart (0: back to
 * back). Stops writing when the client goes away.
 */
export async function sendSse(
  response: ServerResponse,
  frames: readonly SseFrame[],
  gapMs = 0,
  headers: Record<string, string> = {},
): Promise<void> {
  response.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    ...headers,
  });
  for (const frame of frames) {
    if (response.destroyed) return;
    const data = typeof frame.data === 'string' ? frame.data : JSON.stringify(frame.data);
    response.write(`${frame.event ? `event: ${frame.event}\n` : ''}data: ${data}\n\n`);
    if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  response.end();
}

/** Cuts a text into pieces of about `size` characters (at least one piece). */
export function piecesOf(text: string, size: number): string[] {
  const pieces: string[] = [];
  for (let at = 0; at < text.length; at += size) pieces.push(text.slice(at, at + size));
  return pieces.length === 0 ? [''] : pieces;
}
