import { createServer, request as httpRequest, type Server } from 'node:http';
import { BlobServiceClient } from '@azure/storage-blob';
import { StateContainer } from '../../../src/storage/blob-container';

export interface LossyProxy {
  readonly port: number;
  /** Each request as `METHOD /path`, with " (answer lost)" on the one whose answer was dropped. */
  readonly seen: string[];
  /** The next request `match` accepts is forwarded and applied, and its answer is then dropped. */
  loseAnswerOf(match: (method: string, path: string) => boolean): void;
  close(): Promise<void>;
}

/**
 * A pass-through proxy in front of Azurite that can lose the answer of one request: the request
 * is forwarded and applied, and the connection is then cut instead of answered, as a dropped
 * connection or a client timeout would in Azure. The SDK retries it as it would there.
 */
export async function startLossyProxy(targetPort: number): Promise<LossyProxy> {
  let lose: ((method: string, path: string) => boolean) | undefined;
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const method = req.method ?? 'GET';
      const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '');
      const lost = lose?.(method, path) ?? false;
      if (lost) lose = undefined;
      seen.push(`${method} ${path}${lost ? ' (answer lost)' : ''}`);
      const upstream = httpRequest({ host: '127.0.0.1', port: targetPort, method, path: req.url, headers: req.headers }, (answer) => {
        const body: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => body.push(chunk));
        answer.on('end', () => {
          if (lost) {
            req.socket.destroy();
            return;
          }
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          res.end(Buffer.concat(body));
        });
      });
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', () => listening()));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    seen,
    loseAnswerOf: (match) => (lose = match),
    close: () =>
      new Promise<void>((closed) => {
        server.closeAllConnections();
        server.close(() => closed());
      }),
  };
}

/** A state container reached through `port` (a proxy in front of Azurite), retrying quickly as the SDK would. */
export function containerThrough(connectionString: string, port: number, name: string): StateContainer {
  const throughPort = connectionString.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${port}`);
  return new StateContainer(BlobServiceClient.fromConnectionString(throughPort, { retryOptions: { retryDelayInMs: 20, maxRetryDelayInMs: 50 } }).getContainerClient(name));
}
