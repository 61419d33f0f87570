import type restify from 'restify';
import type { AlertIntake } from '../../alerts/alert-intake';
import type { LogSearchOutcome, LogSearchReader } from '../../alerts/log-search-reader';
import type { AcceptOutcome } from '../../core/incidents/accept-alert';
import { type AlertTimeBounds, describeReplacedTime } from '../../core/incidents/alert-time';
import { normaliseAlert } from '../../core/incidents/normalize-alert';
import type { Clock } from '../../core/ports';
import type { Logger } from '../../logger';
import type { AlertMetrics } from '../health/metrics';
import type { AlertAuthenticator } from './alert-auth';
import { jsonType, mediaType, sendBodyFailure } from '../request-body';
import { defaultBodyTimeoutMs, readLimitedBody } from './read-body';
import { SeenOnce } from '../../core/seen-once';

export interface AlertRouteDeps {
  readonly intake: AlertIntake;
  /** Runs a log search alert's query and accepts its failed jobs. */
  readonly logSearch: LogSearchReader;
  readonly auth: AlertAuthenticator;
  readonly maxBodyBytes: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: AlertMetrics;
  /** How long a sender may take to deliver the body (default 10 s, then 408). */
  readonly bodyTimeoutMs?: number;
  /** The bounds the ledger holds alert times to (for the 202's note when a time was replaced). */
  readonly alertTimes?: AlertTimeBounds;
}

export const alertsPath = '/api/alerts';

const noQuery = new URLSearchParams();

/**
 * POST /api/alerts. Order of refusals: 401 (before reading anything; 503 when an Entra ID token cannot be
 * checked because the signing keys cannot be fetched), 415, 413 (raw length,
 * before parsing), 408 (body too slow), 400 naming the field. A well-formed alert about something
 * other than a backup failure: 200 with {"ignored": reason}, logged once per alert rule, nothing
 * stored. 202 with the incident id only after the commit. The route reads its own body (the server has no global body parser), so
 * whatever path spelling the router matched (`/api/%61lerts` too) gets the same handling.
 */
export function registerAlertRoute(server: restify.Server, deps: AlertRouteDeps): void {
  const ignoredRules = new SeenOnce(1_000);
  server.post(alertsPath, async (req: restify.Request, res: restify.Response) => {
    const refuse = (status: number, body: Record<string, unknown>, outcome: string): void => {
      deps.metrics.alertsReceived.inc({ outcome });
      if (!req.complete) req.resume();
      res.send(status, body);
    };
    // Only a query string (?code=) is read; a storm's senders put the key in the header. The request
    // line may be in absolute form ("POST http://host/api/alerts?…"), which the router accepts and a
    // WHATWG URL may refuse: the query is taken as it stands, which never throws.
    const rawUrl = req.url ?? '/';
    const queryAt = rawUrl.indexOf('?');
    const query = queryAt < 0 ? noQuery : new URLSearchParams(rawUrl.slice(queryAt + 1).split('#')[0]);
    const auth = await deps.auth.authenticate(req.headers, query);
    if (!auth.ok && auth.unavailable) {
      // Our side could not check the token: Azure Monitor retries a 503, and the alert is not lost.
      res.header('Retry-After', '10');
      refuse(503, { error: 'auth_unavailable', reason: auth.reason }, 'auth_unavailable');
      return;
    }
    if (!auth.ok) {
      res.header('WWW-Authenticate', 'Bearer');
      refuse(401, { error: 'unauthenticated', reason: auth.reason }, 'unauthenticated');
      return;
    }
    const contentType = mediaType(req);
    if (!jsonType.test(contentType)) {
      refuse(415, { error: 'unsupported_media_type', reason: `content-type must be application/json (got "${contentType || 'none'}")` }, 'unsupported');
      return;
    }
    const body = await readLimitedBody(req, deps.maxBodyBytes, deps.bodyTimeoutMs ?? defaultBodyTimeoutMs);
    if (!body.ok) {
      deps.metrics.alertsReceived.inc({ outcome: body.status === 413 ? 'too_large' : 'invalid' });
      sendBodyFailure(res, body);
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(body.text);
    } catch (error) {
      refuse(400, { error: 'invalid_json', field: '(body)', reason: `not valid JSON: ${(error as Error).message}` }, 'invalid');
      return;
    }
    const normalised = normaliseAlert(json, deps.clock.now());
    if (normalised.kind === 'invalid') {
      refuse(400, { error: 'invalid_alert', field: normalised.field, reason: normalised.reason }, 'invalid');
      return;
    }
    if (normalised.kind === 'ignored') {
      // Shared action groups send every alert here: not the caller's mistake, and a 4xx/5xx would only be retried or alarm someone.
      deps.metrics.alertsReceived.inc({ outcome: 'not_backup_failure' });
      if (ignoredRules.firstTime(normalised.rule ?? normalised.reason)) deps.logger.info({ alertRule: normalised.rule }, `alert ignored: ${normalised.reason}`);
      res.send(200, { ignored: normalised.reason });
      return;
    }
    if (normalised.kind === 'log-search') {
      try {
        const read = await deps.logSearch.read(normalised.search);
        for (const o of outcomesOf(read)) deps.metrics.alertsReceived.inc({ outcome: o.kind });
        res.send(202, logSearchAnswer(read));
      } catch (error) {
        deps.logger.error({ err: error }, 'log search alert could not be stored');
        deps.metrics.alertsReceived.inc({ outcome: 'store_failed' });
        res.send(503, { error: 'store_unavailable', reason: 'the alert was not stored; retry' });
      }
      return;
    }
    try {
      const outcome = await deps.intake.submit(normalised.alert);
      deps.metrics.alertsReceived.inc({ outcome: outcome.kind });
      const incidentId = outcome.kind === 'grouped' || outcome.kind === 'duplicate' ? outcome.incidentId : null;
      const replaced = outcome.kind === 'duplicate' ? undefined : outcome.senderTimeReplaced;
      // The sender learns its clock was not believed (and why), rather than finding odd times on the card.
      const note = replaced ? describeReplacedTime(replaced, deps.alertTimes) : undefined;
      if (note) deps.logger.warn({ alertId: outcome.alertId, senderTime: replaced?.senderTime }, `alert time replaced: ${note}`);
      res.send(202, { status: outcome.kind, alertId: outcome.alertId, incidentId, ...(note ? { note } : {}) });
    } catch (error) {
      deps.logger.error({ err: error }, 'alert could not be stored');
      deps.metrics.alertsReceived.inc({ outcome: 'store_failed' });
      res.send(503, { error: 'store_unavailable', reason: 'the alert was not stored; retry' });
    }
  });
}

function incidentOf(outcome: AcceptOutcome): string | null {
  return outcome.kind === 'grouped' || outcome.kind === 'duplicate' ? outcome.incidentId : null;
}

function outcomesOf(read: LogSearchOutcome): readonly AcceptOutcome[] {
  return read.kind === 'jobs-read' ? read.outcomes : [read.outcome];
}

/** 202 either way: the failed jobs read (and what became of each), or the one incident that says why they were not. */
function logSearchAnswer(read: LogSearchOutcome): Record<string, unknown> {
  if (read.kind === 'not-read') {
    return { status: 'jobs-not-read', note: read.note, alertId: read.outcome.alertId, incidentId: incidentOf(read.outcome) };
  }
  const incidentIds = [...new Set(read.outcomes.map(incidentOf).filter((id): id is string => id !== null))];
  return {
    status: 'jobs-read',
    failedJobs: read.failedJobs,
    note: `the alert's query was run: ${read.failedJobs} failed backup job(s)`,
    jobs: read.outcomes.map((o) => ({ status: o.kind, alertId: o.alertId, incidentId: incidentOf(o) })),
    incidentIds,
  };
}
