import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type restify from 'restify';

/** A duration as a sender reads it in a refusal: "10 s", "0.5 s". */
export function inSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** What Node's HTTP parser refused, as the status and the reason the client is told. */
function refusalOf(error: NodeJS.ErrnoException, headersTimeoutMs: number): { status: number; error: string; reason: string } {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, error: 'request_timeout', reason: `request headers not received within ${inSeconds(headersTimeoutMs)}` };
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, error: 'headers_too_large', reason: 'the request line and headers exceed the server limit (16 KB)' };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, error: 'payload_too_large', reason: 'chunk extensions exceed the server limit' };
    default:
      return { status: 400, error: 'malformed_request', reason: `the request is not valid HTTP/1.1 (${error.code ?? 'parse error'})` };
  }
}

/**
 * Bounds the clients that never finish their request line and headers (a silent or slowloris
 * client), which no route sees: Node answers them 408 after `headersTimeoutMs`, checked every
 * half of it (Node checks every 30 s by default, which would double a short bound). Refusals of
 * Node's parser (408, 431, 400) carry the JSON reason every route gives, instead of an empty body.
 * Bodies are bounded by each route as it reads them (read-body.ts).
 */
export function boundSlowClients(server: restify.Server, limits: { readonly headersTimeoutMs: number }): void {
  const http = server.server;
  http.headersTimeout = limits.headersTimeoutMs;
  // Read by Node when the server starts listening (documented as a createServer option; restify passes none).
  Object.assign(http, { connectionsCheckingInterval: Math.min(30_000, Math.max(10, Math.floor(limits.headersTimeoutMs / 2))) });
  // The response a keep-alive socket is writing now, if any: a refusal must not cut into it.
  const answering = new WeakMap<Socket, ServerResponse>();
  // First, so the answer is watched even when a route answers at once.
  http.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    answering.set(req.socket, res);
    res.once('close', () => {
      if (answering.get(req.socket) === res) answering.delete(req.socket);
    });
    closeWhenAnsweredEarly(req, res);
  });
  http.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // Part of a response already went out (or the peer is gone): nothing more can be said.
    if (!socket.writable || answering.get(socket)?.headersSent === true) {
      socket.destroy();
      return;
    }
    const { status, ...body } = refusalOf(error, limits.headersTimeoutMs);
    const text = JSON.stringify(body);
    const statusText = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Payload Too Large', 431: 'Request Header Fields Too Large' }[status] ?? '';
    // Closed once written, as Node does: a client that never reads or closes keeps no socket.
    socket.end(`HTTP/1.1 ${status} ${statusText}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`, () => socket.destroy());
  });
}

/**
 * An answer written before the request's body has all arrived (401 before the body is read, 404,
 * 415) closes the connection. Kept alive, Node would read and drop the rest of the body for as
 * long as the sender trickles it, up to its own request timeout of 5 minutes.
 */
function closeWhenAnsweredEarly(req: IncomingMessage, res: ServerResponse): void {
  const writeHead = res.writeHead;
  res.writeHead = function writeHeadClosingEarly(this: ServerResponse, ...args: Parameters<typeof writeHead>) {
    if (!req.complete && !this.headersSent) this.setHeader('Connection', 'close');
    return writeHead.apply(this, args);
  } as typeof writeHead;
}
