// Reads the Claude CLI's `--output-format stream-json --verbose --include-partial-messages`
// output as it arrives: one JSON object per line. The answer's text comes from the
// `stream_event` lines (the Messages API's content_block_delta text_delta events), or, from a
// CLI that sent no partial messages for a turn, from that turn's `assistant` message. The last
// line, `{"type":"result",...}`, is the same object as `--output-format json` prints; it is
// read from the whole output afterwards (claude-cli-result.ts), so this reader only streams.

import { StringDecoder } from 'node:string_decoder';
import type { TextSink } from '../../ports/model-provider.js';

interface StreamLine {
  type?: unknown;
  event?: { type?: unknown; delta?: { type?: unknown; text?: unknown } };
  message?: { content?: Array<{ type?: unknown; text?: unknown }> };
}

/** A stdout listener that sends the answer's text to `onText` as the lines complete. */
export function streamJsonReader(onText: TextSink): (chunk: Buffer) => void {
  const decoder = new StringDecoder('utf8');
  let buffer = '';
  let partialsThisTurn = false;
  const line = (text: string) => {
    if (!text.startsWith('{')) return;
    let parsed: StreamLine;
    try {
      parsed = JSON.parse(text) as StreamLine;
    } catch {
      return; // not a line of the stream: the result reader deals with what stdout holds
    }
    if (parsed.type === 'stream_event') {
      const event = parsed.event;
      if (event?.type === 'message_start') partialsThisTurn = false;
      const delta = event?.delta;
      if (event?.type === 'content_block_delta' && delta?.type === 'text_delta') {
        if (typeof delta.text === 'string' && delta.text !== '') {
          partialsThisTurn = true;
          onText(delta.text);
        }
      }
      return;
    }
    if (parsed.type === 'assistant') {
      if (!partialsThisTurn) {
        for (const block of parsed.message?.content ?? []) {
          if (block.type === 'text' && typeof block.text === 'string' && block.text !== '')
            onText(block.text);
        }
      }
      partialsThisTurn = false;
    }
  };
  return (chunk) => {
    buffer += decoder.write(chunk);
    let end = buffer.indexOf('\n');
    while (end >= 0) {
      line(buffer.slice(0, end).trim());
      buffer = buffer.slice(end + 1);
      end = buffer.indexOf('\n');
    }
  };
}
