import { createHash, timingSafeEqual } from 'node:crypto';
import type restify from 'restify';
import { parseIsoInstant } from '../core/iso-instant';
import { redactAuditEvent, type AuditEvent } from '../core/remediation/audit';

/**
 * GET /api/audit: the fix audit as JSON lines (oldest first), for a SIEM or a spreadsheet.
 * Authenticated with a bearer token (AUDIT_API_KEY) compared in constant time; without a
 * configured key the route answers 404, so the audit is never exposed by accident.
 *
 *   ?since=<ISO 8601>  only entries at or after that time
 *   ?vm=<name>         only entries about that VM (case-insensitive)
 *
 * A request with a body is refused with 400 without waiting for it.
 * Lines are streamed as they are read (a large log is never held in memory), and every
 * text is passed through the secret mask once more on the way out. A slow reader only
 * pauses the source between pages (nothing is held open on the store: alert intake, the
 * outbox and fix transitions keep writing), and a reader that goes away ends the export and
 * closes the source.
 */
export interface AuditRouteDeps {
  readonly apiKey: string | undefined;
  /** Async when the audit is in Blob Storage (STATE_STORE=blob). */
  readonly entries: (since?: Date) => Iterable<AuditEvent> | AsyncIterable<AuditEvent>;
}

/** Both sides hashed first: equal lengths for timingSafeEqual, and no early exit on the key's length. */
const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

const VM_NAME = /^[A-Za-z0-9._()-]{1,80}$/;

export function isAuthorized(header: string | undefined, apiKey: string): boolean {
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1] ?? '';
  // Compared even when nothing was presented, so a missing header takes as long as a wrong one.
  const same = timingSafeEqual(digest(presented), digest(apiKey));
  return presented.length > 0 && same;
}

type Query = { ok: true; since?: Date; vm?: string } | { ok: false; message: string };

export function parseAuditQuery(url: string | undefined): Query {
  // The server has no queryParser plugin: read the URL's own query string.
  const params = new URL(url ?? '/', 'http://localhost').searchParams;
  for (const key of params.keys()) {
    if (key !== 'since' && key !== 'vm') return { ok: false, message: `Unknown query parameter "${key}": use since (ISO 8601 date-time) and vm (VM name).` };
    // Which of two would win is a guess the caller should not have to make.
    if (params.getAll(key).length > 1) return { ok: false, message: `${key} is given more than once: give it once.` };
  }
  // An unencoded "+01:00" arrives as " 01:00" (a + in a query string means a space).
  const sinceText = params.get('since')?.replace(/([T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$/, '$1+$2') ?? undefined;
  const vm = params.get('vm') ?? undefined;
  let since: Date | undefined;
  if (sinceText !== undefined) {
    // A date that does not exist (2026-02-30) or a year past 9999 is refused, never rolled over.
    since = parseIsoInstant(sinceText);
    if (since === undefined) return { ok: false, message: 'since must be an ISO 8601 date-time between 1970 and 9999 that exists, e.g. 2026-03-01T10:00:00Z (UTC when no zone is given)' };
  }
  if (vm !== undefined && !VM_NAME.test(vm)) return { ok: false, message: 'vm must be a VM name (1-80 letters, digits, . _ ( ) -)' };
  return { ok: true, ...(since ? { since } : {}), ...(vm ? { vm } : {}) };
}

/**
 * GET /api/audit when there is no fix audit to export (Azure is not configured, so no fix can
 * run): a 404 that says so, rather than the server's bare "not found" for a route that is missing.
 */
export function registerAuditUnavailableRoute(server: restify.Server): void {
  server.get('/api/audit', (_req, res, next) => {
    res.send(404, { error: { code: 'NotFound', message: 'The audit export is not available: fixes need Azure, and Azure is not configured (set AZURE_SUBSCRIPTION_IDS), so there is no fix audit.' } });
    return next(false);
  });
}

export function registerAuditRoute(server: restify.Server, deps: AuditRouteDeps): void {
  server.get('/api/audit', (req, res, next) => {
    if (!deps.apiKey) {
      res.send(404, { error: { code: 'NotFound', message: 'The audit export is not enabled (set AUDIT_API_KEY).' } });
      return next(false);
    }
    if (hasBody(req)) {
      // Not read, and not waited for (a slow sender would hold the socket): refused at once, and the connection closed.
      req.resume();
      res.header('Connection', 'close');
      res.send(400, { error: { code: 'BadRequest', message: 'GET /api/audit takes no request body: send the filters as query parameters (since, vm).' } });
      return next(false);
    }
    if (!isAuthorized(req.header('authorization'), deps.apiKey)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="audit"');
      res.send(401, { error: { code: 'Unauthorized', message: 'A valid bearer token is required: send "Authorization: Bearer <AUDIT_API_KEY>".' } });
      return next(false);
    }
    const query = parseAuditQuery(req.url);
    if (!query.ok) {
      res.send(400, { error: { code: 'BadRequest', message: query.message } });
      return next(false);
    }
    // A callback-style handler (restify refuses async ones that take `next`), finishing when the stream ends.
    void stream(res, deps.entries(query.since), query.vm?.toLowerCase()).finally(() => next(false));
  });
}

/** A declared body (a length above 0, or chunked): GET has none to give. */
function hasBody(req: restify.Request): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length.trim() !== '0') || req.headers['transfer-encoding'] !== undefined;
}

async function stream(res: restify.Response, entries: Iterable<AuditEvent> | AsyncIterable<AuditEvent>, vm: string | undefined): Promise<void> {
  const iterator = Symbol.asyncIterator in entries ? entries[Symbol.asyncIterator]() : toAsync(entries[Symbol.iterator]());
  try {
    let first: IteratorResult<AuditEvent>;
    try {
      first = await nextMatching(iterator, vm);
    } catch {
      // Nothing sent yet: a clear status instead of a broken body.
      res.send(503, { error: { code: 'AuditUnavailable', message: 'The audit store could not be read; try again.' } });
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' });
    try {
      for (let item = first; !item.done; item = await nextMatching(iterator, vm)) {
        if (!res.write(`${JSON.stringify(redactAuditEvent(item.value))}\n`)) await drained(res);
        // The reader went away (aborted, timed out): stop reading the store.
        if (res.destroyed) return;
      }
      res.end();
    } catch {
      // Headers are out: end the connection without the final chunk, so the reader sees the export is incomplete.
      res.destroy();
    }
  } finally {
    // However the export ended (done, reader gone, store failed), the source is closed now, not at garbage collection.
    await iterator.return?.().catch(() => undefined);
  }
}

async function nextMatching(iterator: AsyncIterator<AuditEvent>, vm: string | undefined): Promise<IteratorResult<AuditEvent>> {
  for (;;) {
    const item = await iterator.next();
    if (item.done || vm === undefined || item.value.target?.name.toLowerCase() === vm) return item;
  }
}

function toAsync<T>(iterator: Iterator<T>): AsyncIterator<T> {
  return {
    next: async () => iterator.next(),
    return: async () => iterator.return?.() ?? { done: true, value: undefined },
  };
}

function drained(res: restify.Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
