// Malformed HTTP, or a request that timed out before Fastify saw it whole: Node hands the raw
// socket over; the answer is written in the API's error shape, and the connection is closed.

import type { Socket } from 'node:net';
import { errorBody } from './errors.js';
import { RAW_SECURITY_HEADER_LINES } from './security-headers.js';

/** Malformed HTTP (before Fastify sees a request): answer in the API's error shape and hang up. */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, code] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'HEADERS_TOO_LARGE']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'REQUEST_TIMEOUT']
        : [400, 'Bad Request', 'BAD_REQUEST'];
  const body = JSON.stringify(errorBody({ code, message: 'the HTTP request is malformed' }));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${RAW_SECURITY_HEADER_LINES}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
