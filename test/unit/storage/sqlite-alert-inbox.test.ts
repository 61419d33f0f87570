import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InboxEntry, InboxStatus } from '../../../src/core/incidents/ports';
import { SqliteAlertInbox, waitingAlertsQuery } from '../../../src/storage/sqlite-alert-inbox';
import { openSqliteDatabase } from '../../../src/storage/sqlite-database';

const base = Date.parse('2026-01-01T02:00:00Z');

function entry(n: number, status: InboxStatus): InboxEntry {
  return {
    id: `alert-${n}`,
    dedupeKey: `fired:job:job-${n}`,
    alert: { source: 'minimal', condition: 'fired', vault: { name: 'vault-a' }, vm: { name: `vm-${n}` }, codeHints: [], occurredAt: new Date(base + n) },
    code: status === 'needs-job' ? null : 'UserErrorGuestAgentStatusUnavailable',
    status,
    incidentId: status === 'grouped' ? 'inc-1' : null,
    // Received in the reverse order of their numbers, so oldest-first is not insertion order.
    receivedAt: new Date(base - n * 1_000),
  };
}

function indexesOf(db: ReturnType<typeof openSqliteDatabase>): string[] {
  return db
    .prepare<[], { name: string }>(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'incidents_inbox' AND sql IS NOT NULL ORDER BY name`)
    .all()
    .map((r) => r.name);
}

describe('the alert inbox in SQLite', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'inbox-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the alerts that wait for their job oldest first, and only those, however many others were grouped', () => {
    const inbox = new SqliteAlertInbox(openSqliteDatabase(join(dir, 'state.sqlite')));
    for (let n = 1; n <= 40; n++) inbox.insert(entry(n, n % 10 === 0 ? 'needs-job' : 'grouped'));
    expect(inbox.listByStatus('needs-job', 3).map((e) => e.id)).toEqual(['alert-40', 'alert-30', 'alert-20']);
    inbox.update('fired:job:job-30', { status: 'grouped', code: 'UserErrorGuestAgentStatusUnavailable', incidentId: 'inc-1' });
    expect(inbox.listByStatus('needs-job', 10).map((e) => e.id)).toEqual(['alert-40', 'alert-20', 'alert-10']);
    expect(inbox.listByStatus('grouped', 2).map((e) => e.id)).toEqual(['alert-39', 'alert-38']);
  });

  it('keeps one index an accepted alert must enter, on its dedupe key: the random alert id is stored, not indexed', () => {
    const db = openSqliteDatabase(join(dir, 'state.sqlite'));
    new SqliteAlertInbox(db);
    const indexed = db.prepare<[], { name: string }>(`SELECT name FROM pragma_index_list('incidents_inbox')`).all().map((r) => r.name);
    const columns = indexed.filter((name) => name.startsWith('sqlite_autoindex')).flatMap((name) => db.prepare<[], { name: string }>(`SELECT name FROM pragma_index_info('${name}')`).all().map((r) => r.name));
    expect(columns).toEqual(['dedupe_key']);
  });

  it('finds the waiting alerts through the index that holds only them, not by reading every alert ever received', () => {
    const db = openSqliteDatabase(join(dir, 'state.sqlite'));
    new SqliteAlertInbox(db);
    const plan = db
      .prepare<[number], { detail: string }>(`EXPLAIN QUERY PLAN ${waitingAlertsQuery}`)
      .all(50)
      .map((r) => r.detail)
      .join('\n');
    expect(plan).toContain('USING INDEX incidents_inbox_waiting');
  });

  it('takes over a database written before the partial index: the full status index goes, every stored alert stays', () => {
    const file = join(dir, 'state.sqlite');
    const old = openSqliteDatabase(file);
    old.exec(`CREATE TABLE incidents_inbox (
        id TEXT PRIMARY KEY, dedupe_key TEXT NOT NULL UNIQUE, alert_json TEXT NOT NULL, code TEXT,
        status TEXT NOT NULL, incident_id TEXT, received_at INTEGER NOT NULL)`);
    old.exec(`CREATE INDEX incidents_inbox_status ON incidents_inbox (status, received_at)`);
    const insert = old.prepare(`INSERT INTO incidents_inbox VALUES (?, ?, ?, ?, ?, ?, ?)`);
    for (const e of [entry(1, 'needs-job'), entry(2, 'grouped'), entry(3, 'needs-job')]) {
      insert.run(e.id, e.dedupeKey, JSON.stringify(e.alert), e.code, e.status, e.incidentId, e.receivedAt.getTime());
    }
    old.close();

    const db = openSqliteDatabase(file);
    const inbox = new SqliteAlertInbox(db);
    expect(indexesOf(db)).toEqual(['incidents_inbox_waiting']);
    expect(inbox.count()).toBe(3);
    expect(inbox.listByStatus('needs-job', 10).map((e) => [e.id, e.alert.vm.name])).toEqual([
      ['alert-3', 'vm-3'],
      ['alert-1', 'vm-1'],
    ]);
    expect(inbox.find('fired:job:job-2')?.status).toBe('grouped');
    // Changed by its dedupe key, as a new file's entries are.
    inbox.update('fired:job:job-1', { status: 'grouped', code: 'UserErrorGuestAgentStatusUnavailable', incidentId: 'inc-2' });
    expect(inbox.listByStatus('needs-job', 10).map((e) => e.id)).toEqual(['alert-3']);
  });
});
