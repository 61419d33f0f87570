import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { generate } from 'selfsigned';

/**
 * An HTTPS server that answers with the Azure REST API specifications' own example responses
 * (test/fixtures/arm), so the real SDK clients and the gateway read exactly what the specs say
 * Azure answers. Each route is an operation's URL pattern; the path's names are not checked
 * (the examples of one flow use different vaults), the operation is.
 */
export interface SpecExample {
  readonly parameters: Record<string, unknown>;
  readonly responses: Record<string, { readonly headers?: Record<string, string | number>; readonly body?: unknown }>;
}

export interface ReplayRoute {
  readonly method: 'GET' | 'POST';
  readonly path: RegExp;
  readonly example: string;
}

export function specExample(file: string): SpecExample {
  return JSON.parse(readFileSync(join(__dirname, '../../fixtures/arm', file), 'utf8')) as SpecExample;
}

export interface SpecReplayServer {
  readonly endpoint: string;
  readonly caPem: string;
  /** "METHOD path" of every request, decoded, oldest first. */
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startSpecReplay(routes: readonly ReplayRoute[]): Promise<SpecReplayServer> {
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
    ],
  });
  const requests: string[] = [];
  const server: Server = createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const path = decodeURIComponent(url.pathname);
    requests.push(`${req.method ?? ''} ${path}`);
    req.resume();
    const route = routes.find((r) => r.method === req.method && r.path.test(path));
    if (!route) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'NoExample', message: `no example for ${req.method ?? ''} ${path}` } }));
      return;
    }
    const example = specExample(route.example);
    const [status, response] = Object.entries(example.responses)[0] ?? ['500', {}];
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    for (const [k, v] of Object.entries(response.headers ?? {})) headers[k.toLowerCase()] = String(v);
    res.writeHead(Number(status), headers);
    res.end(response.body === undefined ? '' : JSON.stringify(response.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    caPem: pems.cert,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
