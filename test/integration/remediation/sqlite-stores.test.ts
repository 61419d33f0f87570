import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newFixRequest } from '../../../src/core/remediation/fix-request';
import { RemediationService } from '../../../src/core/remediation/remediation-service';
import { SqliteAuditLog } from '../../../src/storage/sqlite-audit-log';
import { openSqliteDatabase, type SqliteDatabase } from '../../../src/storage/sqlite-database';
import { SqliteFixRequestStore } from '../../../src/storage/sqlite-fix-request-store';
import { alice, bob, loadCatalogue, loadedPolicy, ManualClock, RecordingAzure, SequenceIds, vm } from '../../unit/remediation/fixtures';

describe('SQLite fix request store and audit log', () => {
  let dir: string;
  let file: string;
  const open: SqliteDatabase[] = [];
  const db = (): SqliteDatabase => {
    const d = openSqliteDatabase(file);
    open.push(d);
    return d;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fix-store-'));
    file = join(dir, 'state.sqlite');
  });
  afterEach(() => {
    for (const d of open.splice(0)) d.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const sample = (id = 'req-1') => newFixRequest({ id, correlationId: `corr-${id}`, fixId: 'restart-windows-agent', target: { vm }, requester: alice, language: 'pl', now: new Date('2026-03-01T10:00:00Z'), expiryMs: 1_800_000, sessionId: 'sess-1' });

  it('keeps a request across connections and swaps only on the expected version', async () => {
    const a = new SqliteFixRequestStore(db());
    const b = new SqliteFixRequestStore(db());
    const created = await a.create(sample());
    expect(created.version).toBe(1);
    await expect(a.create(sample())).rejects.toMatchObject({ code: 'store_conflict' });
    const seen = await b.get('req-1');
    expect(seen).toEqual(created);
    const moved = await b.compareAndSwap({ ...created, state: 'approved', decidedBy: bob }, 1);
    expect(moved?.version).toBe(2);
    expect(await a.compareAndSwap({ ...created, state: 'rejected' }, 1)).toBeUndefined();
    expect((await a.get('req-1'))?.state).toBe('approved');
    expect((await a.listBySession('sess-1')).map((r) => r.id)).toEqual(['req-1']);
    expect((await a.listByState('approved')).map((r) => r.id)).toEqual(['req-1']);
  });

  it('50 parallel approvals over two connections to one file execute the fix exactly once', async () => {
    const azure = new RecordingAzure('Windows');
    const clock = new ManualClock();
    const ids = new SequenceIds();
    const services = [db(), db()].map(
      (conn) =>
        new RemediationService({
          catalogue: loadCatalogue(),
          policy: () => loadedPolicy(),
          store: new SqliteFixRequestStore(conn),
          audit: new SqliteAuditLog(conn),
          azure,
          clock,
          ids,
          sleep: async (ms) => clock.advance(ms),
          identifyCode: () => undefined,
          verification: { pollIntervalMs: 1000, timeoutMs: 60_000 },
        }),
    );
    const [first, second] = services as [RemediationService, RemediationService];
    const requested = await first.request({ fixId: 'restart-windows-agent', target: { vm }, actor: alice, language: 'en' });
    if (!requested.ok) throw new Error(requested.refusal.reason);
    const id = requested.value.id;

    const outcomes = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const service = i % 2 === 0 ? first : second;
        const decision = await service.approve(id, i % 3 === 0 ? alice : bob);
        // Every caller also tries to run it, as a second bot instance would after a crash or a retry.
        const ran = await service.runApproved(id);
        return { approved: decision.ok, ran: ran !== undefined };
      }),
    );
    expect(outcomes.filter((o) => o.approved)).toHaveLength(1);
    expect(outcomes.filter((o) => o.ran)).toHaveLength(1);
    expect(azure.calls.filter((c) => c.startsWith('runCommand'))).toHaveLength(1);
    expect((await second.get(id))?.state).toBe('verified-fixed');

    const audit = new SqliteAuditLog(db());
    const entries = await audit.list({ correlationId: requested.value.correlationId, limit: 500 });
    expect(entries.filter((e) => e.action === 'fix.approved')).toHaveLength(1);
    expect(entries.filter((e) => e.action === 'fix.execution-started')).toHaveLength(1);
    expect(entries.filter((e) => e.action === 'fix.refused')).toHaveLength(49);
  });

  it('the audit log is append-only, searchable by VM, and exports oldest first', async () => {
    const conn = db();
    const audit = new SqliteAuditLog(conn);
    for (let i = 0; i < 3; i++) {
      await audit.append({ id: `e${i}`, at: `2026-03-01T10:0${i}:00.000Z`, correlationId: 'c', action: 'fix.requested', outcome: 'ok', actor: alice, target: i === 2 ? { ...vm, name: 'other' } : vm, detail: `entry ${i}` });
    }
    expect((await audit.list({ vm: 'VM-WEB-01' })).map((e) => e.id)).toEqual(['e1', 'e0']);
    expect((await audit.list({ limit: 1 })).map((e) => e.id)).toEqual(['e2']);
    const exported: string[] = [];
    for await (const e of audit.iterate(new Date('2026-03-01T10:01:00Z'))) exported.push(e.id);
    expect(exported).toEqual(['e1', 'e2']);
    const attempt = (sql: string): string => {
      try {
        conn.prepare(sql).run();
        return 'changed';
      } catch (error) {
        return String((error as { message?: unknown }).message);
      }
    };
    expect(attempt("UPDATE audit_events SET body = '{}'")).toMatch(/append-only/);
    expect(attempt('DELETE FROM audit_events')).toMatch(/append-only/);
    await expect(audit.append({ id: 'e0', at: '2026-03-01T11:00:00.000Z', correlationId: 'c', action: 'fix.requested', outcome: 'ok', actor: alice, detail: 'dup' })).rejects.toMatchObject({ code: expect.stringMatching(/^SQLITE_CONSTRAINT/) });
  });
});
