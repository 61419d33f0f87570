import type { HTTPReceiver } from '@slack/bolt';
import type restify from 'restify';
import { maxBodyBytes } from '../../server/create-server';
import { formType, jsonType, rawBody } from '../../server/request-body';

/** Slack's Event Subscriptions and Interactivity request URL (both on one route). */
export const slackEventsPath = '/api/slack/events';

/**
 * Hands POST /api/slack/events to Bolt's receiver on the shared restify server. `rawBody`
 * (request-body.ts) reads the exact bytes, capped, into `req.rawBody` as a Buffer: Bolt
 * verifies the signature over them and reuses `rawBody` only when it is a Buffer. Slack sends
 * JSON (events) or form-encoded (interactivity); anything else is refused with 415.
 */
export function mountSlackRoute(server: restify.Server, receiver: HTTPReceiver, now: () => number = Date.now): void {
  server.post(slackEventsPath, refuseOutsideWindow(now), rawBody({ maxBytes: maxBodyBytes, types: [jsonType, formType] }), async (req: restify.Request, res: restify.Response) => {
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
 * until that time comes, so the window counts both ways. A missing or malformed one is left to
 * Bolt, which refuses it.
 */
export function slackTimestampProblem(header: string | string[] | undefined, nowMs: number): string | undefined {
  const raw = Array.isArray(header) ? header[0] : header;
  if (raw === undefined || !/^\d{1,12}$/.test(raw.trim())) return undefined;
  const skew = Number(raw.trim()) - Math.floor(nowMs / 1000);
  if (skew > slackWindowSeconds) return 'x-slack-request-timestamp is more than 5 minutes ahead of this server\'s clock';
  if (skew < -slackWindowSeconds) return 'x-slack-request-timestamp is more than 5 minutes old';
  return undefined;
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
