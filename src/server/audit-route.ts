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
  readonly entries: (since?: Date) => Iterable<AuditEvent>;
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
    const sinceText = typeof req.query?.since === 'string' ? req.query.since : undefined;
    const since = sinceText ? new Date(sinceText) : undefined;
    if (since && Number.isNaN(since.getTime())) {
      res.send(400, { error: { code: 'BadRequest', message: 'since must be an ISO 8601 date-time' } });
      return next(false);
    }
    const lines: string[] = [];
    for (const event of deps.entries(since)) lines.push(JSON.stringify(event));
    const body = lines.length ? `${lines.join('\n')}\n` : '';
    res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return next(false);
  });
}
