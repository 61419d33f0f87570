import { startTestBot, tempStateFile } from '../../helpers/test-app';
import * as crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import restify from 'restify';
import type { AuditEvent } from '../../../src/core/remediation/audit';
import { isAuthorized, parseAuditQuery, registerAuditRoute } from '../../../src/server/audit-route';
import { SqliteAuditLog } from '../../../src/storage/sqlite-audit-log';
import { openSqliteDatabase, type SqliteDatabase } from '../../../src/storage/sqlite-database';

// Watched, not replaced: the route must go through timingSafeEqual.
jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});

const KEY = 'audit-key-0123456789abcdef';
const vmRef = (name: string) => ({ subscriptionId: 'sub-1', resourceGroup: 'rg-prod', name });

function event(i: number, vm: string, detail = `entry ${i}`): AuditEvent {
  return {
    id: `e-${i}`,
    at: new Date(Date.UTC(2026, 2, 1, 10, 0, i)).toISOString(),
    correlationId: `corr-${i}`,
    action: 'fix.requested',
    outcome: 'ok',
    actor: { channel: 'msteams', userId: '29:alice', aadObjectId: 'aaaaaaaa-0000-0000-0000-000000000001', displayName: 'Alice' },
    requestId: `req-${i}`,
    fixId: 'retry-backup',
    target: vmRef(vm),
    detail,
  };
}

interface Served {
  url: string;
  close(): Promise<void>;
}

async function serve(entries: (since?: Date) => Iterable<AuditEvent> | AsyncIterable<AuditEvent>, options: { apiKey?: string } = { apiKey: KEY }): Promise<Served> {
  const apiKey = options.apiKey;
  const server = restify.createServer({ handleUncaughtExceptions: false });
  registerAuditRoute(server, { apiKey, entries });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/api/audit`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const auth = { authorization: `Bearer ${KEY}` };
const lines = async (res: Response) => (await res.text()).split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as AuditEvent);

describe('GET /api/audit', () => {
  let db: SqliteDatabase;
  let log: SqliteAuditLog;
  let served: Served;

  beforeEach(async () => {
    db = openSqliteDatabase(':memory:');
    log = new SqliteAuditLog(db);
    for (let i = 0; i < 6; i++) await log.append(event(i, i % 2 ? 'vm-web-01' : 'vm-sql-02'));
    served = await serve((since) => log.iterate(since));
  });

  afterEach(async () => {
    await served.close();
    db.close();
  });

  it('refuses without a valid bearer token, with 401, WWW-Authenticate and a message naming what to send, and never echoes the key', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong-key-0123456789abc' },
      { authorization: `Basic ${Buffer.from(`x:${KEY}`).toString('base64')}` },
      { authorization: `Bearer ${KEY}x` },
      { authorization: `Bearer ${KEY.slice(0, -1)}` },
      { authorization: 'Bearer ' },
      { authorization: `Bearer ${KEY} extra` },
    ];
    for (const headers of attempts) {
      const res = await fetch(served.url, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const body = await res.text();
      expect(JSON.parse(body)).toMatchObject({ error: { code: 'Unauthorized', message: expect.stringContaining('Authorization: Bearer') } });
      expect(body).not.toContain(KEY);
    }
  });

  it('compares the token in constant time, also when no token is sent', () => {
    const spy = jest.mocked(crypto.timingSafeEqual);
    spy.mockClear();
    expect(isAuthorized(undefined, KEY)).toBe(false);
    expect(isAuthorized('Bearer nope', KEY)).toBe(false);
    expect(isAuthorized(`bearer ${KEY}`, KEY)).toBe(true);
    expect(spy).toHaveBeenCalledTimes(3);
    // Digests of equal length, whatever the lengths presented.
    for (const [a, b] of spy.mock.calls) expect((a as Buffer).length).toBe((b as Buffer).length);
  });

  it('answers 404 when no key is configured, so the audit is never open by accident', async () => {
    const closed = await serve(() => [event(1, 'vm-web-01')], {});
    try {
      const res = await fetch(closed.url, { headers: auth });
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('AUDIT_API_KEY');
    } finally {
      await closed.close();
    }
  });

  it('exports every entry oldest first as JSON lines', async () => {
    const res = await fetch(served.url, { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect((await lines(res)).map((e) => e.id)).toEqual(['e-0', 'e-1', 'e-2', 'e-3', 'e-4', 'e-5']);
  });

  it('filters by ?since= and ?vm= (case-insensitive), together or alone', async () => {
    const since = await fetch(`${served.url}?since=${encodeURIComponent('2026-03-01T10:00:03Z')}`, { headers: auth });
    expect((await lines(since)).map((e) => e.id)).toEqual(['e-3', 'e-4', 'e-5']);
    const vm = await fetch(`${served.url}?vm=VM-WEB-01`, { headers: auth });
    expect((await lines(vm)).map((e) => e.id)).toEqual(['e-1', 'e-3', 'e-5']);
    const both = await fetch(`${served.url}?vm=vm-sql-02&since=2026-03-01T11:00:02%2B01:00`, { headers: auth });
    expect((await lines(both)).map((e) => e.id)).toEqual(['e-2', 'e-4']);
    // An unencoded "+" (a space once decoded) still means the offset.
    const plus = await fetch(`${served.url}?since=2026-03-01T11:00:04+01:00`, { headers: auth });
    expect((await lines(plus)).map((e) => e.id)).toEqual(['e-4', 'e-5']);
    const none = await fetch(`${served.url}?vm=nope`, { headers: auth });
    expect(none.status).toBe(200);
    expect(await none.text()).toBe('');
  });

  it('answers 400 with what is wrong for a bad since, a bad vm or an unknown parameter', async () => {
    for (const [query, words] of [
      ['since=yesterday', 'since must be an ISO 8601'],
      ['since=2026-13-45T99:00:00Z', 'since must be an ISO 8601'],
      ['vm=%3Cscript%3E', 'vm must be a VM name'],
      ['vm=' + 'a'.repeat(81), 'vm must be a VM name'],
      ['limit=5', 'Unknown query parameter "limit"'],
      // A day that does not exist is refused, not rolled over to 2 March.
      ['since=2026-02-30T00:00:00Z', 'since must be an ISO 8601'],
      // Past the end of 9999 in UTC: such a time has no four-digit ISO form and would sort before every entry.
      ['since=9999-12-31T23:59:59-14:00', 'between 1970 and 9999'],
      ['since=1', 'since must be an ISO 8601'],
      ['since=12%2F5%2F2026', 'since must be an ISO 8601'],
      ['vm=vm-web-01&vm=vm-sql-02', 'vm is given more than once'],
      ['since=2026-03-01&since=2027-01-01', 'since is given more than once'],
    ] as const) {
      const res = await fetch(`${served.url}?${query}`, { headers: auth });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'BadRequest', message: expect.stringContaining(words) } });
    }
  });

  it('streams a large log in chunks as it reads it', async () => {
    for (let i = 6; i < 3000; i++) await log.append(event(i, 'vm-web-01', `entry ${i} ${'x'.repeat(200)}`));
    const res = await fetch(served.url, { headers: auth });
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const got = await lines(res);
    expect(got).toHaveLength(3000);
    expect(got.at(-1)?.id).toBe('e-2999');
  });

  it('masks credentials in every line, even in entries written before masking existed', async () => {
    await log.append(event(99, 'vm-web-01', 'Upload to https://a.blob.core.windows.net/c?sv=1&sig=LEAKSIG failed; AccountKey=LEAKKEY==; Bearer LEAKTOKEN.abc'));
    const text = await (await fetch(`${served.url}?vm=vm-web-01`, { headers: auth })).text();
    expect(text).toContain('sig=***');
    expect(text).not.toMatch(/LEAK/);
    expect(text).not.toContain(KEY);
  });

  it('answers 503 when the store cannot be read, and cuts the stream off when it fails midway', async () => {
    const broken = await serve(() => ({
      [Symbol.asyncIterator]: () => ({ next: async () => Promise.reject(new Error('storage down')) }),
    }));
    try {
      const res = await fetch(broken.url, { headers: auth });
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ error: { code: 'AuditUnavailable' } });
    } finally {
      await broken.close();
    }
    async function* halfThenFail(): AsyncIterableIterator<AuditEvent> {
      yield event(1, 'vm-web-01');
      throw new Error('storage down midway');
    }
    const midway = await serve(() => halfThenFail());
    try {
      // The reader must see a broken transfer, never a body that looks whole.
      const outcome = await fetch(midway.url, { headers: auth }).then(
        (res) => res.text().then(() => 'complete', () => 'broken'),
        () => 'broken',
      );
      expect(outcome).toBe('broken');
    } finally {
      await midway.close();
    }
  });

  it('parses queries without a server', () => {
    expect(parseAuditQuery('/api/audit')).toEqual({ ok: true });
    expect(parseAuditQuery('/api/audit?vm=vm-web-01&since=2026-03-01')).toMatchObject({ ok: true, vm: 'vm-web-01', since: new Date('2026-03-01T00:00:00Z') });
  });
});

describe('GET /api/audit without Azure', () => {
  it('says why there is no export instead of a bare "not found", even with AUDIT_API_KEY set', async () => {
    const state = tempStateFile();
    const bot = await startTestBot(state.file, { AUDIT_API_KEY: 'a'.repeat(40) });
    try {
      expect(bot.app.remediation).toBeUndefined();
      const res = await fetch(`${bot.running.url}/api/audit`, { headers: { authorization: `Bearer ${'a'.repeat(40)}` } });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: { code: 'NotFound', message: expect.stringContaining('Azure is not configured (set AZURE_SUBSCRIPTION_IDS)') } });
    } finally {
      await bot.stop();
      state.cleanup();
    }
  });
});
