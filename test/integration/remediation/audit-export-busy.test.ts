import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import restify from 'restify';
import type { AuditEvent } from '../../../src/core/remediation/audit';
import { newFixRequest } from '../../../src/core/remediation/fix-request';
import { registerAuditRoute } from '../../../src/server/audit-route';
import { SqliteAuditLog } from '../../../src/storage/sqlite-audit-log';
import { openSqliteDatabase, type SqliteDatabase } from '../../../src/storage/sqlite-database';
import { SqliteFixRequestStore } from '../../../src/storage/sqlite-fix-request-store';
import { alice, vm } from '../../unit/remediation/fixtures';

/**
 * GET /api/audit shares the bot's one SQLite connection with alert intake, the outbox and the
 * fix transitions. A reader that stops reading, or goes away, must never stop those writes.
 */
const KEY = 'audit-key-0123456789abcdef';
const ENTRIES = 20_000;

const event = (i: number): AuditEvent => ({
  id: `e-${i}`,
  at: new Date(Date.UTC(2026, 2, 1, 10, 0, 0, i)).toISOString(),
  correlationId: `corr-${i}`,
  action: 'fix.requested',
  outcome: 'ok',
  actor: alice,
  target: vm,
  detail: `entry ${i} ${'x'.repeat(400)}`,
});

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await wait(10);
  }
}

describe('GET /api/audit while the bot keeps writing', () => {
  let db: SqliteDatabase;
  let log: SqliteAuditLog;
  let server: restify.Server;
  let url: string;
  let sourceClosed: boolean;
  let finished: boolean;

  beforeEach(async () => {
    db = openSqliteDatabase(':memory:');
    log = new SqliteAuditLog(db);
    for (let i = 0; i < ENTRIES; i++) await log.append(event(i));
    sourceClosed = false;
    finished = false;
    server = restify.createServer({ handleUncaughtExceptions: false });
    registerAuditRoute(server, {
      apiKey: KEY,
      // The real export, watched: the route must close it when the reader goes away.
      entries: (since) =>
        (async function* () {
          try {
            yield* log.iterate(since);
          } finally {
            sourceClosed = true;
          }
        })(),
    });
    server.on('after', () => (finished = true));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/audit`;
  });

  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    db.close();
  });

  /** Starts an export and stops reading it once the first bytes arrive. */
  async function slowReader(): Promise<{ response: IncomingMessage; text: () => string; abort: () => void }> {
    const req = httpRequest(url, { headers: { authorization: `Bearer ${KEY}` } });
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      req.on('response', resolve);
      req.on('error', reject);
      req.end();
    });
    response.on('error', () => undefined);
    req.on('error', () => undefined);
    let text = '';
    response.setEncoding('utf8');
    let first = true;
    await new Promise<void>((resolve) =>
      response.on('data', (chunk: string) => {
        text += chunk;
        if (!first) return;
        first = false;
        response.pause();
        resolve();
      }),
    );
    // Long enough for the server to fill the socket and wait for it to drain.
    await wait(300);
    return { response, text: () => text, abort: () => req.destroy() };
  }

  const writesWork = async (n: number): Promise<void> => {
    const store = new SqliteFixRequestStore(db);
    await log.append(event(ENTRIES + n));
    await store.create(newFixRequest({ id: `req-${n}`, correlationId: `c-${n}`, fixId: 'retry-backup', target: { vm }, requester: alice, language: 'en', now: new Date(), expiryMs: 60_000 }));
    db.prepare('SELECT 1').get();
  };

  it('a slow reader does not block writes on the shared connection', async () => {
    const reader = await slowReader();
    expect(reader.response.statusCode).toBe(200);
    await expect(writesWork(1)).resolves.toBeUndefined();
    // And the reader still gets every entry, plus what was appended meanwhile, once it reads on.
    const ended = new Promise<void>((resolve) => reader.response.on('end', () => resolve()));
    reader.response.resume();
    await ended;
    const ids = reader.text().trim().split('\n').map((line) => (JSON.parse(line) as AuditEvent).id);
    expect(ids.slice(0, 3)).toEqual(['e-0', 'e-1', 'e-2']);
    expect(ids).toHaveLength(ENTRIES + 1);
    expect(ids.at(-1)).toBe(`e-${ENTRIES + 1}`);
  }, 30_000);

  it('a reader that goes away ends the export, closes its source, and writes carry on', async () => {
    const reader = await slowReader();
    reader.abort();
    await until(() => sourceClosed && finished);
    await expect(writesWork(2)).resolves.toBeUndefined();
  }, 30_000);
});
