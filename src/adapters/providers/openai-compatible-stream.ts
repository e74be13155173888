// Reads a streamed chat completion (`stream: true`, `stream_options: {include_usage: true}`):
// server-sent `data:` lines, each a chunk whose choices[0].delta carries a piece of the answer,
// then a chunk with `usage` and no choices, then `data: [DONE]`. The pieces go to the sink as
// they come; the result is shaped like a whole chat completion, so that it is checked and
// priced as one.

import { SymbiontError } from '../../core/errors.js';
import type { TextSink } from '../../ports/model-provider.js';

interface StreamChunk {
  model?: string;
  choices?: Array<{
    delta?: { content?: string | null; refusal?: string | null };
    finish_reason?: string | null;
  }>;
  usage?: unknown;
}

function badStream(detail: string): SymbiontError {
  return new SymbiontError('PROVIDER_BAD_OUTPUT', `openai-compatible stream unreadable: ${detail}`, {
    retryable: true,
    context: { provider: 'openai-compatible' },
  });
}

/** Consumes the response body; resolves with a chat-completion-shaped object. */
export async function readChatStream(response: Response, onText: TextSink): Promise<unknown> {
  if (response.body === null) throw badStream('no body');
  const decoder = new TextDecoder();
  let buffer = '';
  let content = '';
  let refusal = '';
  let finishReason: string | null = null;
  let model: string | undefined;
  let usage: unknown = null;
  let done = false;
  const line = (raw: string) => {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (!text.startsWith('data:')) return; // comments, event names, blank separators
    const data = text.slice(5).trim();
    if (data === '[DONE]') {
      done = true;
      return;
    }
    let chunk: StreamChunk;
    try {
      chunk = JSON.parse(data) as StreamChunk;
    } catch {
      throw badStream('a data line is not JSON');
    }
    if (typeof chunk.model === 'string') model = chunk.model;
    if (chunk.usage !== undefined && chunk.usage !== null) usage = chunk.usage;
    const choice = chunk.choices?.[0];
    if (!choice) return;
    const piece = choice.delta?.content;
    if (typeof piece === 'string' && piece !== '') {
      content += piece;
      onText(piece);
    }
    if (typeof choice.delta?.refusal === 'string') refusal += choice.delta.refusal;
    if (choice.finish_reason) finishReason = choice.finish_reason;
  };
  for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(bytes, { stream: true });
    let end = buffer.indexOf('\n');
    while (end >= 0) {
      line(buffer.slice(0, end));
      buffer = buffer.slice(end + 1);
      end = buffer.indexOf('\n');
    }
    if (done) break;
  }
  if (!done && buffer !== '') line(buffer);
  return {
    ...(model === undefined ? {} : { model }),
    choices: [{ message: { content, refusal: refusal || null }, finish_reason: finishReason }],
    usage,
  };
}
