import type { BackupAlert } from '../core/incidents/backup-alert';
import type { AlertInbox, InboxEntry, InboxStatus } from '../core/incidents/ports';
import type { SqliteDatabase } from './sqlite-database';
import { ensureSchema } from './sqlite-database';

interface Row {
  id: string;
  dedupe_key: string;
  alert_json: string;
  code: string | null;
  status: InboxStatus;
  incident_id: string | null;
  received_at: number;
}

type StoredAlert = Omit<BackupAlert, 'occurredAt'> & { occurredAt: string };

function toEntry(r: Row): InboxEntry {
  const stored = JSON.parse(r.alert_json) as StoredAlert;
  return {
    id: r.id,
    dedupeKey: r.dedupe_key,
    alert: { ...stored, occurredAt: new Date(stored.occurredAt) },
    code: r.code,
    status: r.status,
    incidentId: r.incident_id,
    receivedAt: new Date(r.received_at),
  };
}

/** The alerts that wait for their job, oldest first. The literal status lets SQLite use the partial index (a bound parameter could be any status). */
export const waitingAlertsQuery = `SELECT * FROM incidents_inbox WHERE status = 'needs-job' ORDER BY received_at LIMIT ?`;

/** Every accepted alert, once per dedupe key (job id): the webhook and the poller meet here. */
export class SqliteAlertInbox implements AlertInbox {
  private readonly stmts;

  constructor(db: SqliteDatabase) {
    ensureSchema(db, [
      // Entries are found and changed by their dedupe key only. The id is what the rest of the bot
      // names an alert by, never looked up here, so it carries no index: with random ids, an index on
      // it cost one more random page written per alert in a storm. (Files from before keep theirs.)
      `CREATE TABLE IF NOT EXISTS incidents_inbox (
        id TEXT NOT NULL, dedupe_key TEXT NOT NULL UNIQUE, alert_json TEXT NOT NULL, code TEXT,
        status TEXT NOT NULL, incident_id TEXT, received_at INTEGER NOT NULL)`,
      // Only the entries that wait for their job are ever listed: a partial index holds just those, so
      // a storm's grouped alerts (nearly all of them) do not each add an entry to an index no query reads.
      // Databases from before it carry the full index; it is dropped here.
      `DROP INDEX IF EXISTS incidents_inbox_status`,
      `CREATE INDEX IF NOT EXISTS incidents_inbox_waiting ON incidents_inbox (received_at) WHERE status = 'needs-job'`,
    ]);
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO incidents_inbox (id, dedupe_key, alert_json, code, status, incident_id, received_at)
         VALUES (@id, @dedupe_key, @alert_json, @code, @status, @incident_id, @received_at) ON CONFLICT (dedupe_key) DO NOTHING`,
      ),
      find: db.prepare<[string], Row>('SELECT * FROM incidents_inbox WHERE dedupe_key = ?'),
      waiting: db.prepare<[number], Row>(waitingAlertsQuery),
      byStatus: db.prepare<[string, number], Row>('SELECT * FROM incidents_inbox WHERE status = ? ORDER BY received_at LIMIT ?'),
      update: db.prepare('UPDATE incidents_inbox SET status = @status, code = @code, incident_id = @incident_id WHERE dedupe_key = @dedupe_key'),
      count: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM incidents_inbox'),
    };
  }

  insert(entry: InboxEntry): { inserted: boolean; entry: InboxEntry } {
    const info = this.stmts.insert.run({
      id: entry.id,
      dedupe_key: entry.dedupeKey,
      // Dates serialise as ISO 8601 (Date#toJSON), which toEntry reads back.
      alert_json: JSON.stringify(entry.alert),
      code: entry.code,
      status: entry.status,
      incident_id: entry.incidentId,
      received_at: entry.receivedAt.getTime(),
    });
    if (info.changes === 1) return { inserted: true, entry };
    return { inserted: false, entry: this.find(entry.dedupeKey) ?? entry };
  }
  find(dedupeKey: string): InboxEntry | undefined {
    const r = this.stmts.find.get(dedupeKey);
    return r ? toEntry(r) : undefined;
  }
  listByStatus(status: InboxStatus, limit: number): InboxEntry[] {
    const rows = status === 'needs-job' ? this.stmts.waiting.all(limit) : this.stmts.byStatus.all(status, limit);
    return rows.map(toEntry);
  }
  update(dedupeKey: string, changes: { status: InboxStatus; code: string | null; incidentId: string | null }): void {
    this.stmts.update.run({ dedupe_key: dedupeKey, status: changes.status, code: changes.code, incident_id: changes.incidentId });
  }
  count(): number {
    return this.stmts.count.get()?.n ?? 0;
  }
}
