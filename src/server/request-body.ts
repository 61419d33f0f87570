import type restify from 'restify';
import { type BodyFailure, defaultBodyTimeoutMs, readLimitedBytes } from './alerts/read-body';

/**
 * Request bodies, read per route (there is no server-wide body parser): restify's bodyParser
 * counted its limit on compressed bytes, inflated gzip bodies in memory and wrote multipart
 * uploads to the temp folder, all before any route authenticated the caller.
 */

/** Content types a route accepts; the comparison ignores parameters such as charset. */
export const jsonType = /^application\/(?:[\w.+-]+\+)?json$/i;
export const formType = /^application\/x-www-form-urlencoded$/i;

export function mediaType(req: restify.Request): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
}

/** Answers a failed read; 408 and 413 also close the connection, so the unread rest is not parsed as a next request. */
export function sendBodyFailure(res: restify.Response, failure: BodyFailure): void {
  if (failure.status === 408 || failure.status === 413) res.header('Connection', 'close');
  const error = { 400: 'invalid_body', 408: 'request_timeout', 413: 'payload_too_large', 500: 'body_unavailable' }[failure.status];
  res.send(failure.status, { error, reason: failure.reason });
}

/** Far above what Teams, Slack or Azure Monitor send (about 20 header fields), far below what a request's 16 KB of headers can hold. */
export const maxHeaderFields = 100;

/**
 * Refuses a request with more header fields than any real caller sends. Node keeps only the
 * first fields past its own count and drops the rest silently, so a header that matters (the
 * authorization, a signature) could vanish into a confusing 401; a 431 says what is wrong.
 * The server is created with Node's count turned off (see create-server.ts), so this count is exact.
 */
export function refuseTooManyHeaders(req: restify.Request, res: restify.Response, next: restify.Next): void {
  const fields = req.rawHeaders.length / 2;
  if (fields <= maxHeaderFields) {
    next();
    return;
  }
  req.resume();
  res.header('Connection', 'close');
  res.send(431, { error: 'request_header_fields_too_large', reason: `${fields} header fields; at most ${maxHeaderFields} are accepted` });
  next(false);
}

/**
 * Runs before routing, for every request: refuses any Content-Encoding but identity and any
 * multipart body with 415, without reading a byte of it. No route here takes compressed or
 * multipart bodies (Teams and Azure Monitor send plain JSON, Slack plain form or JSON).
 */
export function refuseUnsafeBodies(req: restify.Request, res: restify.Response, next: restify.Next): void {
  const encoding = (req.headers['content-encoding'] ?? '').trim().toLowerCase();
  const type = mediaType(req).toLowerCase();
  let reason: string | undefined;
  if (encoding !== '' && encoding !== 'identity') reason = `Content-Encoding "${encoding}" is not accepted: send the body uncompressed`;
  else if (type.startsWith('multipart/')) reason = `${type} bodies are not accepted`;
  if (reason === undefined) {
    next();
    return;
  }
  // Discard (never store or inflate) what the client still sends, and do not keep the connection.
  req.resume();
  res.header('Connection', 'close');
  res.send(415, { error: 'unsupported_media_type', reason });
  next(false);
}

export interface BodyLimits {
  readonly maxBytes: number;
  readonly timeoutMs?: number;
}

/**
 * Route handler: reads a JSON object body into `req.body` (what botbuilder's CloudAdapter
 * expects). 415 for another content type, 413 over the limit, 408 too slow, 400 malformed.
 */
export function jsonBody(limits: BodyLimits): restify.RequestHandler {
  return (req: restify.Request, res: restify.Response, next: restify.Next) => {
    const type = mediaType(req);
    if (!jsonType.test(type)) {
      req.resume();
      res.send(415, { error: 'unsupported_media_type', reason: `content-type must be application/json (got "${type || 'none'}")` });
      next(false);
      return;
    }
    void readLimitedBytes(req, limits.maxBytes, limits.timeoutMs ?? defaultBodyTimeoutMs).then((result) => {
      if (!result.ok) {
        sendBodyFailure(res, result);
        next(false);
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(result.bytes));
      } catch (error) {
        res.send(400, { error: 'invalid_json', reason: `not valid JSON: ${(error as Error).message}` });
        next(false);
        return;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        res.send(400, { error: 'invalid_json', reason: 'the body must be a JSON object' });
        next(false);
        return;
      }
      req.body = parsed;
      next();
    });
  };
}

/**
 * Route handler: reads the exact bytes into `req.rawBody` as a Buffer (Slack verifies its
 * signature over them) for the listed content types; 415 otherwise, 413/408 as jsonBody.
 */
export function rawBody(limits: BodyLimits & { readonly types: readonly RegExp[] }): restify.RequestHandler {
  return (req: restify.Request, res: restify.Response, next: restify.Next) => {
    const type = mediaType(req);
    if (!limits.types.some((t) => t.test(type))) {
      req.resume();
      res.send(415, { error: 'unsupported_media_type', reason: `content-type "${type || 'none'}" is not accepted here` });
      next(false);
      return;
    }
    void readLimitedBytes(req, limits.maxBytes, limits.timeoutMs ?? defaultBodyTimeoutMs).then((result) => {
      if (!result.ok) {
        sendBodyFailure(res, result);
        next(false);
        return;
      }
      req.rawBody = result.bytes;
      next();
    });
  };
}
