import type { IncomingMessage } from 'node:http';

export type BodyResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly status: 413 | 400; readonly reason: string };

/**
 * Reads the raw body up to `maxBytes` and refuses a larger one without buffering it (a
 * declared Content-Length over the limit is refused before reading). The rest of an
 * oversized body is drained and dropped, so the connection can still carry the 413.
 */
export function readLimitedBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.resolve({ ok: false, status: 413, reason: `body is ${declared} bytes; the limit is ${maxBytes}` });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: BodyResult): void => {
      if (done) return;
      done = true;
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeListener('data', onData);
        req.resume();
        chunks.length = 0;
        finish({ ok: false, status: 413, reason: `body exceeds the limit of ${maxBytes} bytes` });
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('error', () => finish({ ok: false, status: 400, reason: 'body could not be read' }));
    req.on('end', () => {
      try {
        finish({ ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)) });
      } catch {
        finish({ ok: false, status: 400, reason: 'body is not valid UTF-8' });
      }
    });
  });
}
