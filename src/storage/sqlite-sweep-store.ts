import type { FleetSweepResult, SweepTrigger } from '../core/sweep/fleet-sweep-result';
import type { DigestMessage, SweepStore } from '../core/sweep/sweep-store';
import { type SqliteDatabase, addMissingColumns, ensureSchema, inBatches, purgeBatchRows } from './sqlite-database';

interface SweepRow {
  result_json: string;
}

interface DigestRow {
  conversation_key: string;
  message_id: string;
  sweep_id: string;
  posted_at: string;
}

/** Sweeps and the scheduled digest's messages in the bot's SQLite file. */
export class SqliteSweepStore implements SweepStore {
  /** Old sweeps, a batch at a time, never the newest of a trigger nor one a digest message shows. */
  private readonly purgeBatch;

  constructor(private readonly db: SqliteDatabase) {
    ensureSchema(db, [
      `CREATE TABLE IF NOT EXISTS fleet_sweeps (
         id TEXT PRIMARY KEY,
         trigger TEXT NOT NULL,
         finished_at TEXT NOT NULL,
         result_json TEXT NOT NULL
       )`,
      `CREATE TABLE IF NOT EXISTS fleet_digest_messages (
         conversation_key TEXT PRIMARY KEY,
         message_id TEXT NOT NULL,
         sweep_id TEXT NOT NULL,
         posted_at TEXT NOT NULL
       )`,
    ]);
    // The first files kept no trigger; their sweeps count as asked for, and the index on finished_at alone is rebuilt.
    addMissingColumns(db, 'fleet_sweeps', [{ name: 'trigger', definition: "TEXT NOT NULL DEFAULT 'command'" }], () => db.exec('DROP INDEX IF EXISTS fleet_sweeps_finished'));
    ensureSchema(db, ['CREATE INDEX IF NOT EXISTS fleet_sweeps_finished ON fleet_sweeps (trigger, finished_at)']);
    this.purgeBatch = db.prepare<{ cutoff: string; limit: number }>(
      `DELETE FROM fleet_sweeps WHERE rowid IN (
         SELECT s.rowid FROM fleet_sweeps s WHERE s.finished_at < @cutoff
           AND s.id NOT IN (SELECT sweep_id FROM fleet_digest_messages)
           AND s.id <> (SELECT l.id FROM fleet_sweeps l WHERE l.trigger = s.trigger ORDER BY l.finished_at DESC, l.rowid DESC LIMIT 1)
         LIMIT @limit)`,
    );
  }

  save(result: FleetSweepResult): Promise<void> {
    this.db.prepare('INSERT OR REPLACE INTO fleet_sweeps (id, trigger, finished_at, result_json) VALUES (?, ?, ?, ?)').run(result.id, result.trigger, result.finishedAt, JSON.stringify(result));
    return Promise.resolve();
  }

  get(id: string): Promise<FleetSweepResult | undefined> {
    const row = this.db.prepare('SELECT result_json FROM fleet_sweeps WHERE id = ?').get(id) as SweepRow | undefined;
    return Promise.resolve(row === undefined ? undefined : (JSON.parse(row.result_json) as FleetSweepResult));
  }

  latest(trigger?: SweepTrigger): Promise<FleetSweepResult | undefined> {
    const row = (
      trigger === undefined
        ? this.db.prepare('SELECT result_json FROM fleet_sweeps ORDER BY finished_at DESC, rowid DESC LIMIT 1').get()
        : this.db.prepare('SELECT result_json FROM fleet_sweeps WHERE trigger = ? ORDER BY finished_at DESC, rowid DESC LIMIT 1').get(trigger)
    ) as SweepRow | undefined;
    return Promise.resolve(row === undefined ? undefined : (JSON.parse(row.result_json) as FleetSweepResult));
  }

  digestMessage(conversationKey: string): Promise<DigestMessage | undefined> {
    const row = this.db.prepare('SELECT * FROM fleet_digest_messages WHERE conversation_key = ?').get(conversationKey) as DigestRow | undefined;
    return Promise.resolve(row === undefined ? undefined : { conversationKey: row.conversation_key, messageId: row.message_id, sweepId: row.sweep_id, postedAt: row.posted_at });
  }

  saveDigestMessage(message: DigestMessage): Promise<void> {
    this.db
      .prepare('INSERT INTO fleet_digest_messages (conversation_key, message_id, sweep_id, posted_at) VALUES (?, ?, ?, ?) ON CONFLICT (conversation_key) DO UPDATE SET message_id = excluded.message_id, sweep_id = excluded.sweep_id, posted_at = excluded.posted_at')
      .run(message.conversationKey, message.messageId, message.sweepId, message.postedAt);
    return Promise.resolve();
  }

  async purgeFinishedBefore(cutoff: Date): Promise<number> {
    return inBatches(() => this.purgeBatch.run({ cutoff: cutoff.toISOString(), limit: purgeBatchRows }).changes);
  }

  forgetDigestMessage(conversationKey: string): Promise<void> {
    this.db.prepare('DELETE FROM fleet_digest_messages WHERE conversation_key = ?').run(conversationKey);
    return Promise.resolve();
  }
}
