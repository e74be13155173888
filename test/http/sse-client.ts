// A minimal server-sent-events client over node:http, for tests: yields each frame (id, event,
// data) and comment as the server wrote them; close() drops the connection at once, as a
// client that goes away does.

import { type IncomingMessage, request } from 'node:http';

export interface SseFrame {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

export type SseItem = { kind: 'frame'; frame: SseFrame } | { kind: 'comment'; text: string };

export interface SseConnection {
  status: number;
  contentType: string | undefined;
  items: AsyncIterable<SseItem>;
  /** Destroys the connection. */
  close(): void;
}

function parseBlock(block: string): SseItem[] {
  const items: SseItem[] = [];
  const frame: SseFrame = { id: undefined, event: undefined, data: '' };
  let isFrame = false;
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) items.push({ kind: 'comment', text: line.slice(1).trim() });
    else if (line.startsWith('id: ')) [frame.id, isFrame] = [line.slice(4), true];
    else if (line.startsWith('event: ')) [frame.event, isFrame] = [line.slice(7), true];
    else if (line.startsWith('data: ')) [frame.data, isFrame] = [frame.data + line.slice(6), true];
  }
  if (isFrame) items.push({ kind: 'frame', frame });
  return items;
}

async function* itemsOf(response: IncomingMessage): AsyncGenerator<SseItem> {
  let buffer = '';
  response.setEncoding('utf8');
  try {
    for await (const chunk of response) {
      buffer += chunk as string;
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        yield* parseBlock(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
      }
    }
  } catch (error) {
    // A connection we closed ourselves ends the items; anything else is a failure.
    if (!response.destroyed || (error as NodeJS.ErrnoException).code !== 'ECONNRESET') {
      if (!(error as Error).message.includes('aborted')) throw error;
    }
  }
}

export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { headers: { accept: 'text/event-stream', ...headers }, agent: false });
    outgoing.on('error', reject);
    outgoing.on('response', (response) => {
      outgoing.off('error', reject);
      outgoing.on('error', () => {});
      resolve({
        status: response.statusCode ?? 0,
        contentType: response.headers['content-type'],
        items: itemsOf(response),
        close: () => outgoing.destroy(),
      });
    });
    outgoing.end();
  });
}
