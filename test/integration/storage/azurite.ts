import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Azurite's well-known development account (public, documented; not a secret). */
export const devAccount = 'devstoreaccount1';
export const devKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface RunningAzurite {
  readonly port: number;
  /** The emulator's process (one Node.js thread serves every request). */
  readonly pid: number | undefined;
  readonly connectionString: string;
  stop(): Promise<void>;
}

const bin = (service: AzuriteService) => resolve(__dirname, `../../../node_modules/.bin/azurite-${service}`);

/** Blob for the documents and the lease; table for the alert path's records. */
export type AzuriteService = 'blob' | 'table';

/** A port the OS just handed out; Azurite binds it a moment later (a clash is retried by the caller). */
async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
    socket.once('timeout', () => {
      socket.destroy();
      done(false);
    });
  });
}

async function startOnce(service: AzuriteService, timeoutMs: number): Promise<RunningAzurite> {
  const port = await freePort();
  const location = mkdtempSync(join(tmpdir(), 'azurite-'));
  const child: ChildProcess = spawn(
    bin(service),
    // In memory (Azurite refuses --location with it); the temp folder as cwd catches anything it still writes.
    [`--${service}Host`, '127.0.0.1', `--${service}Port`, String(port), '--silent', '--skipApiVersionCheck', '--inMemoryPersistence', '--disableTelemetry'],
    { cwd: location, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));

  const stop = async (): Promise<void> => {
    if (exited === undefined && child.exitCode === null) {
      const gone = new Promise<void>((done) => child.once('exit', () => done()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(location, { recursive: true, force: true });
  };

  // A loaded 2-core machine can take many seconds to start node + Azurite: wait for the port, not a fixed delay.
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      await stop();
      throw new Error(`Azurite exited with ${String(exited)} before listening on ${port}: ${stderr.trim()}`);
    }
    if (await canConnect(port)) {
      return {
        port,
        pid: child.pid,
        connectionString: `DefaultEndpointsProtocol=http;AccountName=${devAccount};AccountKey=${devKey};${service === 'blob' ? 'BlobEndpoint' : 'TableEndpoint'}=http://127.0.0.1:${port}/${devAccount};`,
        stop,
      };
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  await stop();
  throw new Error(`Azurite did not listen on 127.0.0.1:${port} within ${timeoutMs} ms: ${stderr.trim()}`);
}

/** Starts an Azurite emulator (blob by default) from node_modules on a free loopback port, in memory. */
export async function startAzurite(timeoutMs = 30_000, service: AzuriteService = 'blob'): Promise<RunningAzurite> {
  try {
    return await startOnce(service, timeoutMs);
  } catch (error) {
    // The free port may have been taken between probing and binding: one more try on another port.
    if (/exited/.test(String((error as Error).message))) return startOnce(service, timeoutMs);
    throw error;
  }
}

/** Container names: 3-63 lower-case letters, digits and single hyphens; one per test keeps tests independent. */
let containerCounter = 0;
export function uniqueContainerName(prefix = 'test'): string {
  containerCounter += 1;
  return `${prefix}-${process.pid}-${containerCounter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Table names: a letter, then letters and digits; one prefix per test keeps tests independent. */
export function uniqueTablePrefix(prefix = 't'): string {
  containerCounter += 1;
  return `${prefix}${process.pid}x${containerCounter}x${Math.random().toString(36).slice(2, 8)}`;
}

/** Starts the emulator before the file's tests and stops it after them; the getter gives the running one. */
export function useAzurite(service: AzuriteService = 'blob'): () => RunningAzurite | undefined {
  let running: RunningAzurite | undefined;
  beforeAll(async () => {
    running = await startAzurite(30_000, service);
  }, 60_000);
  afterAll(async () => {
    await running?.stop();
  });
  return () => running;
}

/** One storage account as the app sees it: Azurite's blob and table services behind one connection string. */
export interface AzuriteAccount {
  readonly blobPort: number;
  readonly connectionString: string;
}

/** Starts Azurite's blob and table services before the file's tests; the getter gives their shared connection string. */
export function useAzuriteAccount(): () => AzuriteAccount | undefined {
  const blob = useAzurite('blob');
  const table = useAzurite('table');
  return () => {
    const blobService = blob();
    const tableService = table();
    if (!blobService || !tableService) return undefined;
    const endpoint = (port: number) => `http://127.0.0.1:${port}/${devAccount}`;
    return {
      blobPort: blobService.port,
      connectionString: `DefaultEndpointsProtocol=http;AccountName=${devAccount};AccountKey=${devKey};BlobEndpoint=${endpoint(blobService.port)};TableEndpoint=${endpoint(tableService.port)};`,
    };
  };
}
