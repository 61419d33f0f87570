import type { AuditEvent } from '../../../src/core/remediation/audit';
import { newFixRequest, type FixRequest } from '../../../src/core/remediation/fix-request';
import type { AuditLog, FixRequestStore } from '../../../src/core/remediation/ports';
import { RemediationService } from '../../../src/core/remediation/remediation-service';
import type { TroubleshootSession } from '../../../src/core/troubleshoot/session';
import type { SessionStore } from '../../../src/core/troubleshoot/session-store';
import { TroubleshootService } from '../../../src/core/troubleshoot/troubleshoot-service';
import { loadKnowledgeBase } from '../../../src/knowledge/load-knowledge-base';
import { alice, bob, loadCatalogue, loadedPolicy, ManualClock, RecordingAzure, SequenceIds, vm } from '../../unit/remediation/fixtures';

/**
 * One behavioural suite per port, run against every implementation (memory, SQLite, Azure
 * Blob Storage on Azurite). A backend is one shared state; `open()` gives another store
 * over it, as a second bot instance (or a second connection) would have. The in-memory
 * stores cannot be shared, so their backend hands out the same instance.
 */
export interface Backend<S> {
  open(): S;
  close(): Promise<void> | void;
}

/** The implementation's oldest-first export (GET /api/audit), when it has one. */
export type ExportOldestFirst = (log: AuditLog, since?: Date) => Promise<AuditEvent[]>;

const knowledge = loadKnowledgeBase();

function withBackend<B extends Backend<unknown>>(make: () => Promise<B>): () => B {
  let current: B | undefined;
  beforeEach(async () => {
    current = await make();
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return () => {
    if (!current) throw new Error('backend not started');
    return current;
  };
}

export function describeSessionStoreContract(name: string, make: () => Promise<Backend<SessionStore>>): void {
  describe(`${name} session store`, () => {
    const backend = withBackend(make);
    let n = 0;
    const service = (store: SessionStore, now = new Date('2026-01-01T10:00:00Z')) =>
      new TroubleshootService({ store, knowledge, clock: { now: () => now }, ids: { next: () => `session-${process.pid}-${(n += 1)}` }, ttlMs: 24 * 3_600_000 });
    const input = { codeId: 'UserErrorGuestAgentStatusUnavailable', language: 'en' as const, conversationId: 'c1', createdBy: 'aad-1' };

    test('create, get, compare-and-swap with versions; a stale write or a duplicate id is a store_conflict', async () => {
      const store = backend().open();
      const s = await service(store).start(input);
      expect(s.version).toBe(1);
      expect(await store.get(s.id)).toEqual(s);
      await expect(store.create(s)).rejects.toMatchObject({ code: 'store_conflict' });
      const swapped = await store.compareAndSwap({ ...s, cursor: 1 }, 1);
      expect(swapped.version).toBe(2);
      await expect(store.compareAndSwap({ ...s, cursor: 2 }, 1)).rejects.toMatchObject({ code: 'store_conflict' });
      expect(await store.get(s.id)).toEqual(swapped);
      expect(await store.get('no-such-session')).toBeUndefined();
      await expect(store.compareAndSwap({ ...s, id: 'no-such-session' }, 1)).rejects.toMatchObject({ code: 'store_conflict' });
    });

    test('a version read by one instance is stale once another instance wrote: its write is refused, nothing is lost', async () => {
      const a = backend().open();
      const b = backend().open();
      const s = await service(a).start(input);
      const seenByA = (await a.get(s.id)) as TroubleshootSession;
      const movedByB = await b.compareAndSwap({ ...((await b.get(s.id)) as TroubleshootSession), cursor: 2 }, seenByA.version);
      await expect(a.compareAndSwap({ ...seenByA, cursor: 1 }, seenByA.version)).rejects.toMatchObject({ code: 'store_conflict' });
      expect(await a.get(s.id)).toEqual(movedByB);
      // A's next write, from a fresh read, goes through.
      const fresh = (await a.get(s.id)) as TroubleshootSession;
      expect((await a.compareAndSwap({ ...fresh, cursor: 3 }, fresh.version)).version).toBe(3);
    });

    test('20 writers racing on one version over two instances: exactly one wins', async () => {
      const stores = [backend().open(), backend().open()];
      const s = await service(stores[0] as SessionStore).start(input);
      const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => (stores[i % 2] as SessionStore).compareAndSwap({ ...s, cursor: 1 + (i % 3) }, 1)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'store_conflict' });
      expect((await stores[1]?.get(s.id))?.version).toBe(2);
    });

    test('card presses on two instances both count: the service retries on the latest state', async () => {
      const a = backend().open();
      const b = backend().open();
      const started = await service(a).start(input);
      const [first, second] = await Promise.all([service(a).step(started.id, { kind: 'next' }), service(b).step(started.id, { kind: 'next' })]);
      expect([first.kind, second.kind]).toEqual(['ok', 'ok']);
      expect((await a.get(started.id))?.cursor).toBe(2);
    });
  });
}

const sample = (id: string, sessionId = 'sess-1', minute = 0): FixRequest =>
  newFixRequest({ id, correlationId: `corr-${id}`, fixId: 'restart-windows-agent', target: { vm }, requester: alice, language: 'pl', now: new Date(Date.UTC(2026, 2, 1, 10, minute)), expiryMs: 1_800_000, sessionId });

/** Fix requests and the audit log they write to, on one shared state. */
export interface FixBackend extends Backend<FixRequestStore> {
  openAudit(): AuditLog;
}

export function describeFixRequestStoreContract(name: string, make: () => Promise<FixBackend>): void {
  describe(`${name} fix request store`, () => {
    const backend = withBackend(make);

    test('keeps a request across instances and swaps only on the expected version', async () => {
      const a = backend().open();
      const b = backend().open();
      const created = await a.create(sample('req-1'));
      expect(created.version).toBe(1);
      await expect(a.create(sample('req-1'))).rejects.toMatchObject({ code: 'store_conflict' });
      expect(await b.get('req-1')).toEqual(created);
      const moved = await b.compareAndSwap({ ...created, state: 'approved', decidedBy: bob }, 1);
      expect(moved?.version).toBe(2);
      expect(await a.compareAndSwap({ ...created, state: 'rejected' }, 1)).toBeUndefined();
      expect((await a.get('req-1'))?.state).toBe('approved');
      expect(await a.get('req-unknown')).toBeUndefined();
      expect(await a.compareAndSwap({ ...created, id: 'req-unknown' }, 1)).toBeUndefined();
    });

    test('lists a session\'s requests newest first, and requests in a state oldest first (with a limit)', async () => {
      const store = backend().open();
      await store.create(sample('req-a', 'sess-1', 1));
      await store.create(sample('req-b', 'sess-2', 2));
      await store.create(sample('req-c', 'sess-1', 3));
      const d = await store.create(sample('req-d', 'sess-1', 0));
      await store.compareAndSwap({ ...d, state: 'approved' }, 1);
      const other = backend().open();
      expect((await other.listBySession('sess-1')).map((r) => r.id)).toEqual(['req-c', 'req-a', 'req-d']);
      expect((await other.listBySession('sess-none')).map((r) => r.id)).toEqual([]);
      expect((await other.listByState('requested')).map((r) => r.id)).toEqual(['req-a', 'req-b', 'req-c']);
      expect((await other.listByState('requested', 2)).map((r) => r.id)).toEqual(['req-a', 'req-b']);
      expect((await other.listByState('approved')).map((r) => ({ id: r.id, version: r.version }))).toEqual([{ id: 'req-d', version: 2 }]);
    });

    test('50 parallel approvals over two bot instances execute the fix exactly once', async () => {
      const azure = new RecordingAzure('Windows');
      const clock = new ManualClock();
      const ids = new SequenceIds();
      const services = [backend().open(), backend().open()].map(
        (store) =>
          new RemediationService({
            catalogue: loadCatalogue(),
            policy: () => loadedPolicy(),
            store,
            audit: backend().openAudit(),
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

      const entries = await backend().openAudit().list({ correlationId: requested.value.correlationId, limit: 500 });
      expect(entries.filter((e) => e.action === 'fix.approved')).toHaveLength(1);
      expect(entries.filter((e) => e.action === 'fix.execution-started')).toHaveLength(1);
      expect(entries.filter((e) => e.action === 'fix.refused')).toHaveLength(49);
      expect(entries.at(-1)?.action).toBe('fix.requested');
    }, 120_000);
  });
}

const entry = (i: number, at: string, options: { target?: AuditEvent['target'] | null; correlationId?: string } = {}): AuditEvent => {
  const target = options.target === undefined ? vm : options.target;
  return {
    id: `e${i}`,
    at,
    correlationId: options.correlationId ?? 'c',
    action: 'fix.requested',
    outcome: 'ok',
    actor: alice,
    ...(target ? { target } : {}),
    detail: `entry ${i}`,
  };
};

export function describeAuditLogContract(name: string, make: () => Promise<Backend<AuditLog>>, exportOldestFirst?: ExportOldestFirst): void {
  describe(`${name} audit log`, () => {
    const backend = withBackend(make);

    test('is append-only, lists newest first, searchable by VM (any case), correlation id and time', async () => {
      const audit = backend().open();
      // No way to change or remove an entry, on any implementation.
      expect(Object.getOwnPropertyNames(Object.getPrototypeOf(audit)).filter((k) => /update|delete|remove|clear|replace|swap/i.test(k))).toEqual([]);
      await audit.append(entry(0, '2026-03-01T10:00:00.000Z'));
      await audit.append(entry(1, '2026-03-01T10:01:00.000Z', { correlationId: 'other' }));
      await audit.append(entry(2, '2026-03-01T10:02:00.000Z', { target: { ...vm, name: 'other-vm' } }));
      await audit.append(entry(3, '2026-03-01T10:03:00.000Z', { target: null }));
      const reader = backend().open();
      expect((await reader.list()).map((e) => e.id)).toEqual(['e3', 'e2', 'e1', 'e0']);
      expect((await reader.list({ vm: 'VM-WEB-01' })).map((e) => e.id)).toEqual(['e1', 'e0']);
      expect((await reader.list({ vm: 'vm-web-01', limit: 1 })).map((e) => e.id)).toEqual(['e1']);
      expect((await reader.list({ limit: 1 })).map((e) => e.id)).toEqual(['e3']);
      expect((await reader.list({ correlationId: 'other' })).map((e) => e.id)).toEqual(['e1']);
      expect((await reader.list({ since: new Date('2026-03-01T10:01:00Z') })).map((e) => e.id)).toEqual(['e3', 'e2', 'e1']);
      expect(await reader.list({ vm: 'nobody' })).toEqual([]);
      expect((await reader.list({ limit: 10 }))[2]).toEqual(entry(1, '2026-03-01T10:01:00.000Z', { correlationId: 'other' }));
    });

    test('entries written in the same millisecond keep their append order', async () => {
      const audit = backend().open();
      for (let i = 0; i < 12; i++) await audit.append(entry(i, '2026-03-01T10:00:00.000Z'));
      expect((await audit.list()).map((e) => e.id)).toEqual(Array.from({ length: 12 }, (_, i) => `e${11 - i}`));
    });

    // Only implementations with an export get this test (memory has none; nothing is skipped).
    if (exportOldestFirst) {
      test('the export runs oldest first from a point in time', async () => {
      const audit = backend().open();
      for (let i = 0; i < 3; i++) await audit.append(entry(i, `2026-03-01T10:0${i}:00.000Z`));
      expect((await exportOldestFirst(audit, new Date('2026-03-01T10:01:00Z'))).map((e) => e.id)).toEqual(['e1', 'e2']);
      expect((await exportOldestFirst(audit)).map((e) => e.id)).toEqual(['e0', 'e1', 'e2']);
      });
    }
  });
}
