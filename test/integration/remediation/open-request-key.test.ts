import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import type { AuditLog, FixRequestStore } from '../../../src/core/remediation/ports';
import { RemediationService } from '../../../src/core/remediation/remediation-service';
import { BlobAuditLog } from '../../../src/storage/blob-audit-log';
import { StateContainer } from '../../../src/storage/blob-container';
import { BlobFixRequestStore } from '../../../src/storage/blob-fix-request-store';
import { SqliteAuditLog } from '../../../src/storage/sqlite-audit-log';
import { openSqliteDatabase, type SqliteDatabase } from '../../../src/storage/sqlite-database';
import { SqliteFixRequestStore } from '../../../src/storage/sqlite-fix-request-store';
import { type RunningAzurite, startAzurite, uniqueContainerName } from '../storage/azurite';
import { alice, bob, loadCatalogue, loadedPolicy, ManualClock, RecordingAzure, SequenceIds, vm } from '../../unit/remediation/fixtures';

/**
 * Two bot instances (two SQLite connections to one file, or two Blob clients on one container)
 * and 20 Request presses of one fix on one VM from one session at once: one request, 19
 * refusals, each audited. The store holds the key, so the answer does not depend on timing.
 */
interface Instances {
  stores: [FixRequestStore, FixRequestStore];
  audit: AuditLog;
  close(): void;
}

function services(instances: Instances) {
  const azure = new RecordingAzure('Windows');
  const clock = new ManualClock();
  const ids = { next: (() => { const seq = new SequenceIds(); return () => `${process.pid}-${Date.now().toString(36)}-${seq.next()}`; })() };
  return instances.stores.map(
    (store) =>
      new RemediationService({ catalogue: loadCatalogue(), policy: () => loadedPolicy(), store, audit: instances.audit, azure, clock, ids, sleep: async (ms) => clock.advance(ms), identifyCode: () => undefined }),
  );
}

const press = (service: RemediationService, i: number) => service.request({ fixId: 'restart-windows-agent', target: { vm }, actor: i % 2 ? alice : bob, language: 'en', sessionId: 'sess-1' });

function describeOpenKey(name: string, open: () => Promise<Instances>): void {
  describe(`${name}: one open request per session, fix and VM`, () => {
    let instances: Instances;
    beforeEach(async () => {
      instances = await open();
    });
    afterEach(() => instances.close());

    test('20 concurrent presses over two instances create one request; 19 are refused and audited', async () => {
      const [a, b] = services(instances) as [RemediationService, RemediationService];
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => press(i % 2 ? a : b, i)));
      const created = results.flatMap((r) => (r.ok ? [r.value] : []));
      expect(created).toHaveLength(1);
      expect(results.filter((r) => !r.ok && r.refusal.reason === 'already-requested')).toHaveLength(19);
      expect(await instances.stores[1].listBySession('sess-1')).toHaveLength(1);
      const refused = (await instances.audit.list({ limit: 500 })).filter((e) => e.action === 'fix.refused');
      expect(refused).toHaveLength(19);
      expect(new Set(refused.map((e) => e.requestId))).toEqual(new Set([created[0]?.id]));

      // Once the request is final (rejected) the same fix may be requested again, from either instance.
      await a.reject(created[0]?.id ?? '', bob, 'not now');
      expect((await press(b, 1)).ok).toBe(true);
      expect((await press(a, 2)).ok).toBe(false);
    }, 60_000);
  });
}

describeOpenKey('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'open-key-'));
  const dbs: SqliteDatabase[] = [0, 1].map(() => openSqliteDatabase(join(dir, 'state.sqlite')));
  const [first, second] = dbs as [SqliteDatabase, SqliteDatabase];
  return {
    stores: [new SqliteFixRequestStore(first), new SqliteFixRequestStore(second)],
    audit: new SqliteAuditLog(first),
    close: () => {
      for (const db of dbs) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SQLite files made before open keys existed', () => {
  test('get the open_key column on start, and their old rows hold no key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'open-key-old-'));
    const db = openSqliteDatabase(join(dir, 'state.sqlite'));
    try {
      db.exec(`CREATE TABLE fix_requests (id TEXT PRIMARY KEY, version INTEGER NOT NULL, state TEXT NOT NULL, session_id TEXT, created_at TEXT NOT NULL, body TEXT NOT NULL)`);
      db.prepare('INSERT INTO fix_requests VALUES (?, 1, ?, ?, ?, ?)').run('old-1', 'requested', 'sess-1', '2026-03-01T10:00:00.000Z', JSON.stringify({ id: 'old-1', state: 'requested' }));
      const store = new SqliteFixRequestStore(db);
      expect(db.prepare<[], { name: string }>('PRAGMA table_info(fix_requests)').all().map((c) => c.name)).toContain('open_key');
      expect((await store.get('old-1'))?.id).toBe('old-1');
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

let azurite: RunningAzurite | undefined;
beforeAll(async () => {
  azurite = await startAzurite();
}, 60_000);
afterAll(async () => {
  await azurite?.stop();
});

describeOpenKey('Azure Blob', async () => {
  if (!azurite) throw new Error('Azurite is not running');
  const connectionString = azurite.connectionString;
  const name = uniqueContainerName('openkey');
  const container = () => new StateContainer(BlobServiceClient.fromConnectionString(connectionString).getContainerClient(name));
  return { stores: [new BlobFixRequestStore(container()), new BlobFixRequestStore(container())], audit: new BlobAuditLog(container()), close: () => undefined };
});
