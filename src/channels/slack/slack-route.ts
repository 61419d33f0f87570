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
export function mountSlackRoute(server: restify.Server, receiver: HTTPReceiver): void {
  server.post(slackEventsPath, rawBody({ maxBytes: maxBodyBytes, types: [jsonType, formType] }), async (req: restify.Request, res: restify.Response) => {
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
