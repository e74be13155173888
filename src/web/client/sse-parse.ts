// The server-sent events wire format, read from a fetch() body: blocks between blank lines,
// fields per the SSE rules. Pure, so tests run it in Node.

export interface SseFrame {
  id: string | null;
  event: string;
  data: string | null;
  retry: number | null;
}

/** Parses one block of an event stream (the lines between blank lines). */
export function parseSseBlock(block: string): SseFrame {
  let id: string | null = null;
  let event = 'message';
  const data: string[] = [];
  let retry: number | null = null;
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'id') id = value;
    else if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'retry' && /^[0-9]+$/.test(value)) retry = Number(value);
  }
  return { id, event, data: data.length ? data.join('\n') : null, retry };
}

/** Cuts a stream of text chunks into frames; keeps an unfinished block for the next chunk. */
export class SseDecoder {
  private buffer = '';

  push(chunk: string): SseFrame[] {
    // Line ends may be CRLF or CR; a CR at the very end may be half of a CRLF still coming.
    this.buffer = (this.buffer + chunk).replace(/\r\n|\r(?!$)/g, '\n');
    const frames: SseFrame[] = [];
    let end = this.buffer.indexOf('\n\n');
    while (end >= 0) {
      frames.push(parseSseBlock(this.buffer.slice(0, end)));
      this.buffer = this.buffer.slice(end + 2);
      end = this.buffer.indexOf('\n\n');
    }
    return frames;
  }
}
