import type { DeliveryOutbox, OutboxEntry, OutboxStatus } from '../core/incidents/ports';
import { type Clock, systemClock } from '../core/ports';
import type { SqliteDatabase } from './sqlite-database';
import { addMissingColumns, ensureSchema } from './sqlite-database';
import { randomUUID } from 'node:crypto';

interface Row {
  id: string;
  incident_id: string;
  conversation_key: string;
  subscription_id: string;
  wanted_revision: number;
  delivered_revision: number;
  activity_id: string | null;
  due_at: number;
  attempts: number;
  last_sent_at: number | null;
  status: OutboxStatus;
  last_error: string | null;
  pending_since: number | null;
  claimed_by: string | null;
  claimed_until: number | null;
}

function toEntry(r: Row): OutboxEntry {
  return {
    id: r.id,
    incidentId: r.incident_id,
    conversationKey: r.conversation_key,
    subscriptionId: r.subscription_id,
    wantedRevision: r.wanted_revision,
    deliveredRevision: r.delivered_revision,
    ...(r.activity_id !== null ? { activityId: r.activity_id } : {}),
    dueAt: new Date(r.due_at),
    attempts: r.attempts,
    ...(r.last_sent_at !== null ? { lastSentAt: new Date(r.last_sent_at) } : {}),
    status: r.status,
    ...(r.last_error !== null ? { lastError: r.last_error } : {}),
    ...(r.pending_since !== null ? { pendingSince: new Date(r.pending_since) } : {}),
    ...(r.claimed_by !== null && r.claimed_until !== null ? { claimedBy: r.claimed_by, claimedUntil: new Date(r.claimed_until) } : {}),
  };
}

/**
 * The delivery outbox: one row per incident per conversation. The card's activity id is
 * written in the same statement that records the delivered revision, so a restart updates
 * the card it already posted instead of posting a second one.
 */
export class SqliteOutbox implements DeliveryOutbox {
  private readonly stmts;

  /** `clock` stamps when an entry starts waiting for a revision (the accepted-to-posted metric). */
  constructor(
    db: SqliteDatabase,
    private readonly clock: Clock = systemClock,
  ) {
    ensureSchema(db, [
      `CREATE TABLE IF NOT EXISTS outbox_entry (
        id TEXT PRIMARY KEY, incident_id TEXT NOT NULL, conversation_key TEXT NOT NULL, subscription_id TEXT NOT NULL,
        wanted_revision INTEGER NOT NULL, delivered_revision INTEGER NOT NULL, activity_id TEXT,
        due_at INTEGER NOT NULL, attempts INTEGER NOT NULL, last_sent_at INTEGER, status TEXT NOT NULL, last_error TEXT,
        UNIQUE (incident_id, conversation_key))`,
      `CREATE INDEX IF NOT EXISTS outbox_entry_due ON outbox_entry (status, due_at)`,
    ]);
    // Added after the first release: files made before it get the columns here.
    addMissingColumns(db, 'outbox_entry', [
      { name: 'pending_since', definition: 'INTEGER' },
      { name: 'claimed_by', definition: 'TEXT' },
      { name: 'claimed_until', definition: 'INTEGER' },
    ]);
    this.stmts = {
      find: db.prepare<[string, string], Row>('SELECT * FROM outbox_entry WHERE incident_id = ? AND conversation_key = ?'),
      get: db.prepare<[string], Row>('SELECT * FROM outbox_entry WHERE id = ?'),
      upsert: db.prepare(
        `INSERT INTO outbox_entry (id, incident_id, conversation_key, subscription_id, wanted_revision, delivered_revision, activity_id, due_at, attempts, last_sent_at, status, last_error, pending_since)
         VALUES (@id, @incident_id, @conversation_key, @subscription_id, @wanted_revision, @delivered_revision, @activity_id, @due_at, @attempts, @last_sent_at, @status, NULL, @now)
         ON CONFLICT (incident_id, conversation_key) DO UPDATE SET
           wanted_revision = MAX(outbox_entry.wanted_revision, excluded.wanted_revision), due_at = excluded.due_at,
           attempts = excluded.attempts, status = excluded.status,
           -- The wait starts with the first revision the conversation has not seen; later ones ride along.
           pending_since = CASE WHEN outbox_entry.status = 'pending' AND outbox_entry.wanted_revision > outbox_entry.delivered_revision
             THEN COALESCE(outbox_entry.pending_since, excluded.pending_since) ELSE excluded.pending_since END`,
      ),
      due: db.prepare<[{ now: number; exclude: string; limit: number }], Row>(
        `SELECT * FROM outbox_entry WHERE status = 'pending' AND due_at <= @now AND wanted_revision > delivered_revision
           AND (claimed_until IS NULL OR claimed_until <= @now)
           AND conversation_key NOT IN (SELECT value FROM json_each(@exclude)) ORDER BY due_at LIMIT @limit`,
      ),
      // One statement decides: of two workers claiming the same entry, one changes the row.
      claim: db.prepare(
        `UPDATE outbox_entry SET claimed_by = @holder, claimed_until = @until
         WHERE id = @id AND (claimed_by IS NULL OR claimed_by = @holder OR claimed_until IS NULL OR claimed_until <= @now)`,
      ),
      release: db.prepare('UPDATE outbox_entry SET claimed_by = NULL, claimed_until = NULL WHERE id = ? AND claimed_by = ?'),
      // Recording a delivery never replaces a known card id (only `forget` clears it, for a deleted card).
      delivered: db.prepare(
        `UPDATE outbox_entry SET delivered_revision = MAX(delivered_revision, @revision), activity_id = COALESCE(activity_id, @activity_id),
           last_sent_at = @at, attempts = 0, last_error = NULL, due_at = @next_due_at,
           pending_since = CASE WHEN wanted_revision > MAX(delivered_revision, @revision) THEN @at ELSE NULL END,
           status = CASE WHEN wanted_revision > MAX(delivered_revision, @revision) THEN 'pending' ELSE 'delivered' END
         WHERE id = @id`,
      ),
      // The one way an entry forgets its card: the card was deleted in the channel (update answered 404).
      forget: db.prepare(`UPDATE outbox_entry SET activity_id = NULL, delivered_revision = 0 WHERE id = ?`),
      failConversation: db.prepare(`UPDATE outbox_entry SET status = 'failed', last_error = ? WHERE conversation_key = ? AND status = 'pending'`),
      reschedule: db.prepare('UPDATE outbox_entry SET due_at = ?, attempts = ?, last_error = ? WHERE id = ?'),
      failed: db.prepare(`UPDATE outbox_entry SET status = 'failed', last_error = ? WHERE id = ?`),
      depth: db.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM outbox_entry WHERE status = 'pending' AND wanted_revision > delivered_revision`),
      next: db.prepare<[], { d: number | null }>(`SELECT MIN(due_at) AS d FROM outbox_entry WHERE status = 'pending' AND wanted_revision > delivered_revision`),
    };
  }

  find(incidentId: string, conversationKey: string): OutboxEntry | undefined {
    const r = this.stmts.find.get(incidentId, conversationKey);
    return r ? toEntry(r) : undefined;
  }
  get(id: string): OutboxEntry | undefined {
    const r = this.stmts.get.get(id);
    return r ? toEntry(r) : undefined;
  }
  upsert(entry: Omit<OutboxEntry, 'id'> & { id?: string }): OutboxEntry {
    this.stmts.upsert.run({
      id: entry.id ?? randomUUID(),
      incident_id: entry.incidentId,
      conversation_key: entry.conversationKey,
      subscription_id: entry.subscriptionId,
      wanted_revision: entry.wantedRevision,
      delivered_revision: entry.deliveredRevision,
      activity_id: entry.activityId ?? null,
      due_at: entry.dueAt.getTime(),
      attempts: entry.attempts,
      last_sent_at: entry.lastSentAt?.getTime() ?? null,
      status: entry.status,
      now: this.clock.now().getTime(),
    });
    return this.find(entry.incidentId, entry.conversationKey) as OutboxEntry;
  }
  due(now: Date, limit: number, excludeConversations: readonly string[] = []): OutboxEntry[] {
    return this.stmts.due.all({ now: now.getTime(), exclude: JSON.stringify(excludeConversations), limit }).map(toEntry);
  }
  claim(id: string, holder: string, now: Date, until: Date): OutboxEntry | undefined {
    return this.stmts.claim.run({ id, holder, now: now.getTime(), until: until.getTime() }).changes === 1 ? this.get(id) : undefined;
  }
  release(id: string, holder: string): void {
    this.stmts.release.run(id, holder);
  }
  markDelivered(id: string, revision: number, activityId: string, at: Date, nextDueAt: Date): void {
    this.stmts.delivered.run({ id, revision, activity_id: activityId, at: at.getTime(), next_due_at: nextDueAt.getTime() });
  }
  reschedule(id: string, dueAt: Date, attempts: number, error: string): void {
    this.stmts.reschedule.run(dueAt.getTime(), attempts, error.slice(0, 2000), id);
  }
  markFailed(id: string, error: string): void {
    this.stmts.failed.run(error.slice(0, 2000), id);
  }
  forgetActivity(id: string): void {
    this.stmts.forget.run(id);
  }
  failConversation(conversationKey: string, error: string): number {
    return this.stmts.failConversation.run(error.slice(0, 2000), conversationKey).changes;
  }
  depth(): number {
    return this.stmts.depth.get()?.n ?? 0;
  }
  nextDueAt(): Date | undefined {
    const d = this.stmts.next.get()?.d;
    return d === null || d === undefined ? undefined : new Date(d);
  }
}
