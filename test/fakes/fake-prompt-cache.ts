// The Messages API's prompt cache as the fake Messages API bills it: the prompt up to and
// including the last block marked `cache_control` is the cached prefix. A prefix shorter than
// the model's minimum (1,024 tokens; 2,048 for Haiku) is not cached. The first request with a
// prefix writes it (cache_creation_input_tokens); the write lands when that response is sent,
// and later requests with the identical prefix and model read it (cache_read_input_tokens).
// As on the real API, a request that arrives while the first is still being answered finds no
// entry yet and writes again. Tokens are counted as ceil(characters / 4) per block.

export interface CacheUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

interface Block {
  text: string;
  cached: boolean;
}

export function fakeTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function minimumCacheableTokens(model: string): number {
  return /haiku/i.test(model) ? 2048 : 1024;
}

/** The text blocks of a request (system first, then the messages), each saying whether it carries cache_control. */
export function blocksOf(body: unknown): Block[] {
  const blocks: Block[] = [];
  const add = (content: unknown) => {
    if (typeof content === 'string') blocks.push({ text: content, cached: false });
    else if (Array.isArray(content)) {
      for (const block of content as Array<{ type?: string; text?: string; cache_control?: unknown }>) {
        if (block.type === 'text' && typeof block.text === 'string') {
          blocks.push({ text: block.text, cached: block.cache_control != null });
        }
      }
    }
  };
  const parsed = body as { system?: unknown; messages?: Array<{ content?: unknown }> };
  add(parsed.system);
  for (const message of parsed.messages ?? []) add(message.content);
  return blocks;
}

export class FakePromptCache {
  private readonly landed = new Set<string>();
  writes = 0;
  reads = 0;

  /** Bills one request; `land` makes its write visible (call it when the response is sent). */
  bill(model: string, body: unknown): { usage: CacheUsage; land: () => void } {
    const blocks = blocksOf(body);
    const total = blocks.reduce((sum, block) => sum + fakeTokens(block.text), 0);
    const last = blocks.map((block) => block.cached).lastIndexOf(true);
    const none = { usage: usage(total, 0, 0), land: () => undefined };
    if (last < 0) return none;
    const prefix = blocks.slice(0, last + 1);
    const prefixTokens = prefix.reduce((sum, block) => sum + fakeTokens(block.text), 0);
    if (prefixTokens < minimumCacheableTokens(model)) return none;
    const key = `${model}\u0000${prefix.map((block) => block.text).join('\u0001')}`;
    if (this.landed.has(key)) {
      this.reads++;
      return { usage: usage(total - prefixTokens, 0, prefixTokens), land: () => undefined };
    }
    this.writes++;
    return { usage: usage(total - prefixTokens, prefixTokens, 0), land: () => this.landed.add(key) };
  }
}

function usage(input: number, write: number, read: number): CacheUsage {
  return {
    input_tokens: input,
    cache_creation_input_tokens: write,
    cache_read_input_tokens: read,
    cache_creation: { ephemeral_5m_input_tokens: write, ephemeral_1h_input_tokens: 0 },
  };
}
