import { type HTTPReceiver, isValidSlackRequest } from '@slack/bolt';
import type restify from 'restify';
import { maxBodyBytes } from '../../server/create-server';
import { formType, jsonType, mediaType, rawBody } from '../../server/request-body';
import { slackEnvelopeProblem, unansweredSlackType } from './slack-envelope';

/** Slack's Event Subscriptions and Interactivity request URL (both on one route). */
export const slackEventsPath = '/api/slack/events';

/**
 * Hands POST /api/slack/events to Bolt's receiver on the shared restify server. `rawBody`
 * (request-body.ts) reads the exact bytes, capped, into `req.rawBody` as a Buffer: Bolt
 * verifies the signature over them and reuses `rawBody` only when it is a Buffer. Slack sends
 * JSON (events) or form-encoded (interactivity); anything else is refused with 415. A correctly
 * signed request whose envelope Bolt could not dispatch gets a 400 naming the field (a wrongly
 * signed one is left to Bolt, which answers 401 before anything about the body is said).
 */
export function mountSlackRoute(server: restify.Server, receiver: HTTPReceiver, signingSecret: string, options: { readonly bodyTimeoutMs?: number; readonly now?: () => number } = {}): void {
  const now = options.now ?? Date.now;
  const limits = { maxBytes: maxBodyBytes, types: [jsonType, formType], ...(options.bodyTimeoutMs !== undefined ? { timeoutMs: options.bodyTimeoutMs } : {}) };
  server.post(slackEventsPath, refuseOutsideWindow(now), rawBody(limits), refuseMalformedEnvelope(signingSecret, now), async (req: restify.Request, res: restify.Response) => {
    // Bolt answers on its own schedule (right after ack); the route ends when the answer is sent.
    await new Promise<void>((resolve) => {
      res.once('finish', () => resolve());
      res.once('close', () => resolve());
      try {
        receiver.requestListener(req, res);
      } catch {
        // Bolt refuses a path it does not serve (e.g. with a trailing slash) by throwing.
        res.writeHead(404);
        res.end();
      }
    });
  });
}

/** Slack's replay window: a signed request is good for 5 minutes around its timestamp. */
export const slackWindowSeconds = 5 * 60;

/**
 * Why a request's x-slack-request-timestamp is outside the window, or undefined when it is inside.
 * Bolt refuses only old timestamps; one far in the future would let a captured request be replayed
 * until that time comes, so the window counts both ways. A missing one is left to Bolt, which
 * refuses it. Slack writes the seconds as plain digits; any other spelling ("+1796540382",
 * "1796540382.0", hex) is refused here, since Bolt reads it as a number and would check the
 * signature of the same seconds.
 */
export function slackTimestampProblem(header: string | string[] | undefined, nowMs: number): string | undefined {
  const raw = Array.isArray(header) ? header[0] : header;
  if (raw === undefined) return undefined;
  // Any run of digits: a timestamp in milliseconds, or longer, is far in the future, not malformed.
  if (!/^\d+$/.test(raw.trim())) return 'x-slack-request-timestamp must be the request time in seconds, as digits';
  const skew = Number(raw.trim()) - Math.floor(nowMs / 1000);
  if (skew > slackWindowSeconds) return 'x-slack-request-timestamp is more than 5 minutes ahead of this server\'s clock';
  if (skew < -slackWindowSeconds) return 'x-slack-request-timestamp is more than 5 minutes old';
  return undefined;
}

function refuseMalformedEnvelope(signingSecret: string, now: () => number): restify.RequestHandler {
  return (req: restify.Request, res: restify.Response, next: restify.Next) => {
    const raw = req.rawBody as Buffer;
    const signature = req.headers['x-slack-signature'];
    const timestamp = Number(req.headers['x-slack-request-timestamp']);
    const signed = typeof signature === 'string' && Number.isFinite(timestamp) && isValidSlackRequest({ signingSecret, body: raw.toString('utf8'), headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp }, nowMilliseconds: now() });
    const form = formType.test(mediaType(req));
    // Bolt reads a body as a form only when the type is exactly this; a proxy's "; charset=utf-8" or another
    // casing would make it parse the form as JSON and answer a bare 400. The type was checked above.
    if (form) req.headers['content-type'] = 'application/x-www-form-urlencoded';
    const problem = signed ? slackEnvelopeProblem(raw, form) : undefined;
    if (problem !== undefined) {
      res.send(400, { error: 'malformed_slack_request', field: problem.field, reason: problem.reason });
      next(false);
      return;
    }
    // Signed, well formed, and nothing here listens for it: acknowledged at once, as Slack asks of every request.
    if (signed && unansweredSlackType(raw, form) !== undefined) {
      res.send(200);
      next(false);
      return;
    }
    next();
  };
}

function refuseOutsideWindow(now: () => number): restify.RequestHandler {
  return (req: restify.Request, res: restify.Response, next: restify.Next) => {
    const problem = slackTimestampProblem(req.headers['x-slack-request-timestamp'], now());
    if (problem === undefined) {
      next();
      return;
    }
    req.resume();
    res.send(401, { error: 'unauthenticated', reason: problem });
    next(false);
  };
}
