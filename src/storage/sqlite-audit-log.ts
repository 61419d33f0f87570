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

export class SqliteAuditLog implements AuditLog {
  private readonly insertOne;
  private readonly db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    ensureSchema(db, schema);
    this.db = db;
    this.insertOne = db.prepare('INSERT INTO audit_events (id, at, correlation_id, action, vm, body) VALUES (@id, @at, @correlationId, @action, @vm, @body)');
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

  /** Every entry oldest first, for the JSON-lines export (iterated, so a large log is not held in memory). */
  *iterate(since?: Date): IterableIterator<AuditEvent> {
    if (since) {
      for (const row of this.db.prepare<[string], Row>('SELECT body FROM audit_events WHERE at >= ? ORDER BY seq ASC').iterate(since.toISOString())) yield JSON.parse(row.body) as AuditEvent;
    } else {
      for (const row of this.db.prepare<[], Row>('SELECT body FROM audit_events ORDER BY seq ASC').iterate()) yield JSON.parse(row.body) as AuditEvent;
    }
  }
}
