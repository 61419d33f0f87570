import type { IncomingMessage } from 'node:http';
import { inSeconds } from '../slow-clients';

export type BodyFailure = { readonly ok: false; readonly status: 400 | 408 | 413 | 500; readonly reason: string };
export type BytesResult = { readonly ok: true; readonly bytes: Buffer } | BodyFailure;
export type BodyResult = { readonly ok: true; readonly text: string } | BodyFailure;

/** A client that has not finished sending its body by then is answered 408 (a slow sender must not hold a handler forever). */
export const defaultBodyTimeoutMs = 10_000;

/**
 * Reads the raw body up to `maxBytes` and refuses a larger one without buffering it (a
 * declared Content-Length over the limit is refused before reading). The limit counts the
 * bytes actually read off the socket, never a decoded size: nothing here decompresses. The
 * rest of an oversized body is drained and dropped, so the connection can still carry the 413.
 */
export function readLimitedBytes(req: IncomingMessage, maxBytes: number, timeoutMs = defaultBodyTimeoutMs): Promise<BytesResult> {
  // Someone else read the stream already: waiting for 'end' would wait forever.
  if (req.readableEnded) {
    return Promise.resolve({ ok: false, status: 500, reason: 'the request body was already consumed' });
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.resolve({ ok: false, status: 413, reason: `body is ${declared} bytes; the limit is ${maxBytes}` });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: BytesResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.removeListener('data', onData);
      if (!result.ok) {
        chunks.length = 0;
        // Keep discarding what still arrives (no buffering), so the answer can be written.
        req.resume();
      }
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        finish({ ok: false, status: 413, reason: `body exceeds the limit of ${maxBytes} bytes` });
        return;
      }
      chunks.push(chunk);
    };
    const timer = setTimeout(() => finish({ ok: false, status: 408, reason: `body not received within ${inSeconds(timeoutMs)}` }), timeoutMs);
    timer.unref();
    req.on('data', onData);
    req.once('error', () => finish({ ok: false, status: 400, reason: 'body could not be read' }));
    req.once('aborted', () => finish({ ok: false, status: 400, reason: 'the client aborted the request' }));
    // A small body arrives in one chunk: used as it is, not copied.
    req.once('end', () => finish({ ok: true, bytes: chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, size) }));
  });
}

/** One decoder for every request: a whole-buffer decode keeps no state between calls. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** As readLimitedBytes, decoded as strict UTF-8. */
export async function readLimitedBody(req: IncomingMessage, maxBytes: number, timeoutMs = defaultBodyTimeoutMs): Promise<BodyResult> {
  const result = await readLimitedBytes(req, maxBytes, timeoutMs);
  if (!result.ok) return result;
  try {
    return { ok: true, text: strictUtf8.decode(result.bytes) };
  } catch {
    return { ok: false, status: 400, reason: 'body is not valid UTF-8' };
  }
}
