import restify from 'restify';
import type { App } from '../app';
import { boundSlowClients } from './slow-clients';
import { jsonBody, refuseTooManyHeaders, refuseUnsafeBodies } from './request-body';

/** Adds routes owned by another feature (alerts, Slack, metrics) to the server. */
export type RouteRegistrar = (server: restify.Server, app: App) => void;

/** Requests bigger than this are refused before parsing (Teams activities are far smaller). */
export const maxBodyBytes = 1024 * 1024;

/**
 * The HTTP surface, built but not listening, so tests listen on port 0.
 * `/api/messages` goes through botbuilder's CloudAdapter, which validates the Bot Framework
 * JWT itself whenever an app id is configured (production); local mode is anonymous.
 * There is no server-wide body parser: each route reads its own body with a hard cap on the
 * bytes read (see request-body.ts), and compressed or multipart bodies are refused up front.
 */
export function createServer(app: App): restify.Server {
  const server = restify.createServer({ name: 'backup-doctor', handleUncaughtExceptions: false });
  boundSlowClients(server, { headersTimeoutMs: app.config.http.headersTimeoutSeconds * 1000 });
  // Node's own cap drops fields past it without a word; the count is refused with a 431 instead (its total size stays capped at 16 KB).
  server.server.maxHeadersCount = 0;
  server.pre(refuseTooManyHeaders);
  server.pre(refuseUnsafeBodies);

  server.post('/api/messages', jsonBody({ maxBytes: maxBodyBytes, timeoutMs: app.config.http.bodyTimeoutSeconds * 1000 }), async (req: restify.Request, res: restify.Response) => {
    // botbuilder answers an activity without a usable type or serviceUrl with a 500, and one without a sender or a
    // conversation gets no answer at all: the sender's mistake, so a 400 naming the field.
    const problem = app.activityProblem(req.body);
    if (problem) {
      app.logger.warn({ path: req.path(), field: problem.field }, 'activity refused: malformed');
      res.send(400, { error: 'malformed_activity', field: problem.field, reason: problem.reason });
      return;
    }
    await app.adapter.process(req, res, (context) => app.bot.run(context));
  });

  server.get('/healthz', (_req, res, next) => {
    res.send(200, { status: 'ok', mode: app.config.mode });
    return next();
  });

  for (const register of app.routes) register(server, app);

  server.on('restifyError', (req: restify.Request, _res: restify.Response, err: Error, callback: () => void) => {
    app.logger.warn({ err, path: req.path() }, 'request failed');
    callback();
  });
  return server;
}

export interface RunningServer {
  readonly server: restify.Server;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** Listens (port 0 picks a free one) and returns how to reach and stop the server. */
export async function listen(server: restify.Server, port: number, host = '0.0.0.0'): Promise<RunningServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    server,
    port: actualPort,
    url: `http://127.0.0.1:${actualPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive sockets would hold close() open; end idle ones now.
        server.server.closeIdleConnections();
      }),
  };
}
