import type restify from 'restify';
import type { AlertIntake } from '../../alerts/alert-intake';
import { normaliseAlert } from '../../core/incidents/normalize-alert';
import type { Clock } from '../../core/ports';
import type { Logger } from '../../logger';
import type { AlertMetrics } from '../health/metrics';
import type { AlertAuthenticator } from './alert-auth';
import { readLimitedBody } from './read-body';

export interface AlertRouteDeps {
  readonly intake: AlertIntake;
  readonly auth: AlertAuthenticator;
  readonly maxBodyBytes: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: AlertMetrics;
}

export const alertsPath = '/api/alerts';

/** restify's body reader marks a request read with these; setting them makes the server-wide bodyParser leave our stream alone. */
interface RestifyBodyFlags {
  _readBody?: boolean;
  _parsedBody?: boolean;
}

const jsonType = /^application\/(?:[\w.+-]+\+)?json$/i;

/**
 * POST /api/alerts. Order of refusals: 401 (before reading anything), 415, 413 (raw length,
 * before parsing), 400 naming the field. 202 with the incident id only after the commit.
 */
export function registerAlertRoute(server: restify.Server, deps: AlertRouteDeps): void {
  server.pre((req: restify.Request, _res: restify.Response, next: restify.Next) => {
    if (req.method === 'POST' && req.path() === alertsPath) {
      const flags = req as restify.Request & RestifyBodyFlags;
      flags._readBody = true;
      flags._parsedBody = true;
    }
    return next();
  });

  server.post(alertsPath, async (req: restify.Request, res: restify.Response) => {
    const refuse = (status: number, body: Record<string, unknown>, outcome: string): void => {
      deps.metrics.alertsReceived.inc({ outcome });
      if (!req.complete) req.resume();
      res.send(status, body);
    };
    const url = new URL(req.url ?? '/', 'http://local');
    const auth = await deps.auth.authenticate(req.headers, url.searchParams);
    if (!auth.ok) {
      res.header('WWW-Authenticate', 'Bearer');
      refuse(401, { error: 'unauthenticated', reason: auth.reason }, 'unauthenticated');
      return;
    }
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    if (!jsonType.test(contentType)) {
      refuse(415, { error: 'unsupported_media_type', reason: `content-type must be application/json (got "${contentType || 'none'}")` }, 'unsupported');
      return;
    }
    const body = await readLimitedBody(req, deps.maxBodyBytes);
    if (!body.ok) {
      refuse(body.status, { error: body.status === 413 ? 'payload_too_large' : 'invalid_body', reason: body.reason }, body.status === 413 ? 'too_large' : 'invalid');
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
    if (!normalised.ok) {
      refuse(400, { error: 'invalid_alert', field: normalised.field, reason: normalised.reason }, 'invalid');
      return;
    }
    try {
      const outcome = await deps.intake.submit(normalised.alert);
      deps.metrics.alertsReceived.inc({ outcome: outcome.kind });
      const incidentId = outcome.kind === 'grouped' || outcome.kind === 'duplicate' ? outcome.incidentId : null;
      res.send(202, { status: outcome.kind, alertId: outcome.alertId, incidentId });
    } catch (error) {
      deps.logger.error({ err: error }, 'alert could not be stored');
      deps.metrics.alertsReceived.inc({ outcome: 'store_failed' });
      res.send(503, { error: 'store_unavailable', reason: 'the alert was not stored; retry' });
    }
  });
}
