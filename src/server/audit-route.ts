import { createHash, timingSafeEqual } from 'node:crypto';
import type restify from 'restify';
import type { AuditEvent } from '../core/remediation/audit';

/**
 * GET /api/audit: the fix audit as JSON lines (oldest first), for a SIEM or a spreadsheet.
 * Authenticated with a bearer token (AUDIT_API_KEY) compared in constant time; without a
 * configured key the route answers 404, so the audit is never exposed by accident.
 */
export interface AuditRouteDeps {
  readonly apiKey: string | undefined;
  /** Async when the audit is in Blob Storage (STATE_STORE=blob). */
  readonly entries: (since?: Date) => Iterable<AuditEvent> | AsyncIterable<AuditEvent>;
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

export function registerAuditRoute(server: restify.Server, deps: AuditRouteDeps): void {
  server.get('/api/audit', (req, res, next) => {
    if (!deps.apiKey) {
      res.send(404, { error: { code: 'NotFound', message: 'The audit export is not enabled (set AUDIT_API_KEY).' } });
      return next(false);
    }
    const header = req.header('authorization') ?? '';
    const presented = /^Bearer\s+(.+)$/i.exec(header)?.[1] ?? '';
    if (!presented || !timingSafeEqual(digest(presented), digest(deps.apiKey))) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      res.send(401, { error: { code: 'Unauthorized', message: 'A valid bearer token (AUDIT_API_KEY) is required.' } });
      return next(false);
    }
    // The server has no queryParser plugin, so req.query is unset: read the URL's own query string.
    const sinceText = typeof req.query?.since === 'string' ? req.query.since : (new URL(req.url ?? '/', 'http://localhost').searchParams.get('since') ?? undefined);
    const since = sinceText ? new Date(sinceText) : undefined;
    if (since && Number.isNaN(since.getTime())) {
      res.send(400, { error: { code: 'BadRequest', message: 'since must be an ISO 8601 date-time' } });
      return next(false);
    }
    // A callback-style handler (restify refuses async ones that take `next`), finishing when the entries are read.
    void collectLines(deps.entries(since)).then(
      (lines) => {
        const body = lines.length ? `${lines.join('\n')}\n` : '';
        res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'content-length': Buffer.byteLength(body) });
        res.end(body);
        next(false);
      },
      () => {
        res.send(503, { error: { code: 'AuditUnavailable', message: 'The audit store could not be read; try again.' } });
        next(false);
      },
    );
  });
}

async function collectLines(entries: Iterable<AuditEvent> | AsyncIterable<AuditEvent>): Promise<string[]> {
  const lines: string[] = [];
  for await (const event of entries) lines.push(JSON.stringify(event));
  return lines;
}
