import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';
import { FaultInjector } from './faults';
import { answerLogAnalyticsQuery, isLogAnalyticsQuery } from './log-analytics';
import { buildRoutes, matchRoute, type Reply, type Route } from './routes';
import { loadScenarioFile, parseScenario, type Scenario, type ScenarioInput } from './scenario';
import { ArmError, SimulatorState } from './state';

/**
 * A local HTTPS server that answers the ARM calls Backup Doctor makes, from a scenario file,
 * the way ARM does wherever the SDK depends on it (paging, long-running operations, error
 * bodies, throttling). The real SDK clients are pointed at it with endpoint + tlsOptions.ca.
 */

export interface ArmSimulatorOptions {
  /** A scenario object (validated here) or the path of a scenario JSON file. */
  readonly scenario: Scenario | ScenarioInput | string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** Overrides of the scenario's settings, e.g. a small pageSize in tests. */
  readonly settings?: Partial<Scenario['settings']>;
}

export interface RequestLogEntry {
  readonly method: string;
  readonly path: string;
  /** The decoded query string, e.g. "?api-version=...&$filter=...". */
  readonly query: string;
  readonly status: number;
}

export interface ArmSimulator {
  /** https://127.0.0.1:<port>, to pass to the SDK clients as `endpoint`. */
  readonly endpoint: string;
  /** The self-signed certificate (PEM), to trust with `tlsOptions.ca`. */
  readonly caPem: string;
  readonly state: SimulatorState;
  readonly faults: FaultInjector;
  /** Every request answered, oldest first. */
  readonly requests: readonly RequestLogEntry[];
  close(): Promise<void>;
}

const CLIENT_OBJECT_ID = '11111111-1111-1111-1111-111111111111';

async function certificate(host: string): Promise<{ key: string; cert: string }> {
  const pems = await generate([{ name: 'commonName', value: host }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 30 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }, ...(host !== '127.0.0.1' && host !== 'localhost' ? [{ type: 2 as const, value: host }] : [])] },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(raw: string): unknown {
  try {
    return raw.length > 0 ? JSON.parse(raw) : undefined;
  } catch {
    return undefined;
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function errorReply(status: number, code: string, message: string, headers: Record<string, string> = {}): Reply {
  return { status, body: { error: { code, message } }, headers };
}

function actionDenied(state: SimulatorState, route: Route, resourceId: string): boolean {
  const id = resourceId.toLowerCase();
  return state.denials.some((d) => {
    const scope = d.scope.toLowerCase().replace(/\/$/, '');
    if (!(id === scope || id.startsWith(`${scope}/`))) return false;
    return d.actions.some((a) => {
      const pattern = a.toLowerCase();
      const action = route.action.toLowerCase();
      return pattern === '*' || pattern === action || (pattern.endsWith('*') && action.startsWith(pattern.slice(0, -1)));
    });
  });
}

export function createArmHandler(state: SimulatorState, faults: FaultInjector, log: RequestLogEntry[]): (req: IncomingMessage, res: ServerResponse) => void {
  const routes = buildRoutes(state, faults);

  async function answer(req: IncomingMessage): Promise<Reply> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', `https://${req.headers.host ?? '127.0.0.1'}`);
    const raw = await readBody(req);
    let segments: string[];
    try {
      segments = url.pathname.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
    } catch {
      return errorReply(400, 'InvalidRequestUri', `The request URI '${url.pathname}' is not valid.`);
    }
    const decodedPath = `/${segments.join('/')}`;
    if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) {
      return errorReply(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.");
    }
    // The Log Analytics query API (log search alerts) is versioned in its path, not by api-version.
    const logQuery = isLogAnalyticsQuery(method, segments);
    if (!logQuery && !url.searchParams.get('api-version')) {
      return errorReply(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
    }
    await faults.waitIfHeld(method, decodedPath);
    state.tick();
    const injected = faults.take('sync', method, decodedPath);
    if (injected) {
      const headers: Record<string, string> = injected.retryAfterSeconds !== undefined ? { 'Retry-After': String(injected.retryAfterSeconds) } : {};
      return errorReply(injected.status, injected.code, injected.message, headers);
    }
    if (logQuery) return answerLogAnalyticsQuery(state, parseJson(raw));
    const match = matchRoute(routes, method, segments);
    if (match === 'method-not-allowed') return errorReply(405, 'MethodNotAllowed', `The requested resource does not support http method '${method}'.`);
    if (!match) return errorReply(404, 'NotFound', `No route for ${method} ${decodedPath} in the ARM simulator.`);
    const scope = match.route.scope(match.params);
    if (actionDenied(state, match.route, scope)) {
      return errorReply(
        403,
        'AuthorizationFailed',
        `The client '${CLIENT_OBJECT_ID}' with object id '${CLIENT_OBJECT_ID}' does not have authorization to perform action '${match.route.action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
      );
    }
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        return errorReply(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
      }
    }
    return match.route.handle({ method, params: match.params, query: url.searchParams, body, base: `https://${req.headers.host ?? '127.0.0.1'}`, url });
  }

  return (req, res) => {
    answer(req)
      .catch((error: unknown) => {
        if (error instanceof ArmError) return errorReply(error.status, error.code, error.message);
        return errorReply(500, 'InternalServerError', error instanceof Error ? error.message : String(error));
      })
      .then((reply) => {
        const url = new URL(req.url ?? '/', 'https://x');
        log.push({ method: req.method ?? 'GET', path: safeDecode(url.pathname), query: safeDecode(url.search.replace(/\+/g, ' ')), status: reply.status });
        const requestId = randomUUID();
        const reads = faults.takeRead(req.method ?? 'GET');
        const headers: Record<string, string> = { 'x-ms-request-id': requestId, 'x-ms-correlation-request-id': requestId, ...(reads !== undefined ? { 'x-ms-ratelimit-remaining-subscription-reads': String(reads) } : {}), ...reply.headers };
        if (reply.body !== undefined) headers['content-type'] = 'application/json; charset=utf-8';
        res.writeHead(reply.status, headers);
        res.end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
      })
      .catch(() => res.destroy());
  };
}

export async function startArmSimulator(options: ArmSimulatorOptions): Promise<ArmSimulator> {
  const scenario = typeof options.scenario === 'string' ? loadScenarioFile(options.scenario) : parseScenario(options.scenario);
  if (options.settings) Object.assign(scenario.settings, options.settings);
  const host = options.host ?? '127.0.0.1';
  const state = new SimulatorState(scenario);
  const faults = new FaultInjector(state.denials);
  const requests: RequestLogEntry[] = [];
  const { key, cert } = await certificate(host);
  const server: Server = createServer({ key, cert }, createArmHandler(state, faults, requests));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    caPem: cert,
    state,
    faults,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
