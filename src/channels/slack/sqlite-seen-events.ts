import type { Clock } from '../../core/ports';
import { type SqliteDatabase, ensureSchema } from '../../storage/sqlite-database';

/** The idempotency key store for Slack events (SQLite here; a shared store when instances scale out). */
export interface SeenSlackEvents {
  /** True the first time an event id is seen, false for every later delivery of it. */
  firstDelivery(eventId: string): boolean | Promise<boolean>;
}

/**
 * Slack's Events API delivers at least once: a slow answer brings the same event again
 * (x-slack-retry-num), and a signature proves origin, not uniqueness. The event id is the
 * idempotency key; the first delivery claims it atomically, in the same SQLite file as the
 * sessions, so a restart or a second process sharing the file still answers once.
 */
export class SqliteSeenEvents implements SeenSlackEvents {
  private readonly claim;
  private readonly prune;
  private claims = 0;

  constructor(
    db: SqliteDatabase,
    private readonly clock: Clock,
    /** Slack retries for about an hour at most; a day is ample. */
    private readonly keepMs = 24 * 3_600_000,
  ) {
    ensureSchema(db, ['CREATE TABLE IF NOT EXISTS slack_seen_events (event_id TEXT PRIMARY KEY, seen_at INTEGER NOT NULL)', 'CREATE INDEX IF NOT EXISTS slack_seen_events_seen_at ON slack_seen_events (seen_at)']);
    this.claim = db.prepare<[string, number]>('INSERT OR IGNORE INTO slack_seen_events (event_id, seen_at) VALUES (?, ?)');
    this.prune = db.prepare<[number]>('DELETE FROM slack_seen_events WHERE seen_at < ?');
  }

  /** True the first time an event id is seen, false for every later delivery of it. */
  firstDelivery(eventId: string): boolean {
    const now = this.clock.now().getTime();
    this.claims += 1;
    if (this.claims % 500 === 0) this.prune.run(now - this.keepMs);
    return this.claim.run(eventId, now).changes === 1;
  }
}
