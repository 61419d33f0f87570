import type { HTTPReceiver } from '@slack/bolt';
import type restify from 'restify';

/** Slack's Event Subscriptions and Interactivity request URL (both on one route). */
export const slackEventsPath = '/api/slack/events';

/**
 * Hands POST /api/slack/events to Bolt's receiver on the shared restify server. restify's
 * bodyParser has already read the body and keeps it as a string in `req.rawBody`; Bolt
 * verifies the signature over the raw bytes and reuses `rawBody` only when it is a Buffer
 * (otherwise it tries to read the drained stream and answers 401 "stream is not readable").
 * Re-encoding is exact: restify decoded the bytes as UTF-8, which is what Slack sends.
 */
export function mountSlackRoute(server: restify.Server, receiver: HTTPReceiver): void {
  server.post(slackEventsPath, async (req: restify.Request, res: restify.Response) => {
    const carrier = req as restify.Request & { rawBody?: unknown };
    if (typeof carrier.rawBody === 'string') carrier.rawBody = Buffer.from(carrier.rawBody, 'utf8');
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
