import type { AuditEvent, AuditQuery } from '../core/remediation/audit';
import type { AuditLog } from '../core/remediation/ports';
import { type SqliteDatabase, ensureSchema } from './sqlite-database';

const schema = [
  `CREATE TABLE IF NOT EXISTS audit_events (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     at TEXT NOT NULL,
     correlation_id TEXT NOT NULL,
     action TEXT NOT NULL,
     vm TEXT,
     body TEXT NOT NULL
   )`,
  'CREATE INDEX IF NOT EXISTS audit_events_vm ON audit_events (vm, seq)',
  'CREATE INDEX IF NOT EXISTS audit_events_correlation ON audit_events (correlation_id, seq)',
  // Append-only is enforced by the database too, not just by the absence of an update method.
  `CREATE TRIGGER IF NOT EXISTS audit_events_no_update BEFORE UPDATE ON audit_events
     BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END`,
  `CREATE TRIGGER IF NOT EXISTS audit_events_no_delete BEFORE DELETE ON audit_events
     BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END`,
];

interface Row {
  readonly body: string;
}

interface SeqRow extends Row {
  readonly seq: number;
}

/** Rows per export page: each page is one complete `.all()`, so no statement stays open between pages. */
const EXPORT_PAGE = 500;

export class SqliteAuditLog implements AuditLog {
  private readonly insertOne;
  private readonly pageAll;
  private readonly pageSince;
  private readonly db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    ensureSchema(db, schema);
    this.db = db;
    this.insertOne = db.prepare('INSERT INTO audit_events (id, at, correlation_id, action, vm, body) VALUES (@id, @at, @correlationId, @action, @vm, @body)');
    this.pageAll = db.prepare<[number, number], SeqRow>('SELECT seq, body FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?');
    this.pageSince = db.prepare<[number, string, number], SeqRow>('SELECT seq, body FROM audit_events WHERE seq > ? AND at >= ? ORDER BY seq LIMIT ?');
  }

  async append(event: AuditEvent): Promise<void> {
    this.insertOne.run({ id: event.id, at: event.at, correlationId: event.correlationId, action: event.action, vm: event.target?.name.toLowerCase() ?? null, body: JSON.stringify(event) });
  }

  async list(query: AuditQuery = {}): Promise<AuditEvent[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.vm !== undefined) {
      where.push('vm = ?');
      params.push(query.vm.toLowerCase());
    }
    if (query.correlationId !== undefined) {
      where.push('correlation_id = ?');
      params.push(query.correlationId);
    }
    if (query.since !== undefined) {
      where.push('at >= ?');
      params.push(query.since.toISOString());
    }
    const sql = `SELECT body FROM audit_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    params.push(Math.max(1, Math.min(query.limit ?? 50, 10_000)));
    return this.db
      .prepare<(string | number)[], Row>(sql)
      .all(...params)
      .map((row) => JSON.parse(row.body) as AuditEvent);
  }

  /**
   * Every entry oldest first, for the JSON-lines export, in pages keyed on `seq`. A slow or
   * vanished reader can hold this generator for as long as it likes: between pages nothing is
   * open on the connection (an open better-sqlite3 iterator would make every other write on
   * it throw "This database connection is busy executing a query"). Entries appended while
   * the export runs are included when they land after the page being read.
   */
  async *iterate(since?: Date, pageSize = EXPORT_PAGE): AsyncIterableIterator<AuditEvent> {
    const sinceText = since?.toISOString();
    let after = 0;
    for (;;) {
      const rows = sinceText === undefined ? this.pageAll.all(after, pageSize) : this.pageSince.all(after, sinceText, pageSize);
      for (const row of rows) yield JSON.parse(row.body) as AuditEvent;
      const last = rows.at(-1);
      if (!last || rows.length < pageSize) return;
      after = last.seq;
    }
  }
}
