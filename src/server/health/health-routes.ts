import type restify from 'restify';
import type { AlertMetrics } from './metrics';

export interface ReadinessReport {
  readonly ready: boolean;
  readonly store: 'ok' | 'unreachable';
  readonly outboxDepth: number | null;
  readonly lastPollAt: string | null;
  readonly azure: 'ok' | 'unreachable' | 'not-configured' | 'unknown';
  readonly problems: readonly string[];
}

/** /readyz (store, outbox depth, last poll, Azure) and /metrics (Prometheus text). /healthz is the server's own. */
export function registerHealthRoutes(server: restify.Server, deps: { readonly metrics: AlertMetrics; readonly readiness: () => Promise<ReadinessReport> }): void {
  server.get('/readyz', async (_req: restify.Request, res: restify.Response) => {
    const report = await deps.readiness();
    res.send(report.ready ? 200 : 503, report);
  });
  server.get('/metrics', async (_req: restify.Request, res: restify.Response) => {
    const text = await deps.metrics.registry.metrics();
    res.setHeader('content-type', deps.metrics.registry.contentType);
    res.writeHead(200);
    res.end(text);
  });
}
