import { CodedError } from '../core/errors';
import type { TroubleshootSession } from '../core/troubleshoot/session';
import type { SessionStore } from '../core/troubleshoot/session-store';
import { type SqliteDatabase, ensureSchema, inBatches, purgeBatchRows } from './sqlite-database';
import { SqliteWriteBatch } from './sqlite-write-batch';

const schema = [
  `CREATE TABLE IF NOT EXISTS sessions_troubleshoot (
     id TEXT PRIMARY KEY,
     version INTEGER NOT NULL,
     conversation_id TEXT NOT NULL,
     expires_at TEXT NOT NULL,
     body TEXT NOT NULL
   )`,
  'CREATE INDEX IF NOT EXISTS sessions_troubleshoot_expires ON sessions_troubleshoot (expires_at)',
];

interface Row {
  readonly version: number;
  readonly body: string;
}

/**
 * Sessions in the bot's SQLite file. The session is stored as JSON (it is read and written
 * whole); version, conversation and expiry are columns for the compare-and-swap and clean-up.
 * Creates and swaps from concurrent turns are committed together (SqliteWriteBatch).
 */
export class SqliteSessionStore implements SessionStore {
  private readonly selectOne;
  private readonly insertOne;
  private readonly swapOne;
  private readonly deleteExpired;
  private readonly writes: SqliteWriteBatch;

  constructor(db: SqliteDatabase) {
    ensureSchema(db, schema);
    this.writes = new SqliteWriteBatch(db);
    this.selectOne = db.prepare<[string], Row>('SELECT version, body FROM sessions_troubleshoot WHERE id = ?');
    this.insertOne = db.prepare('INSERT INTO sessions_troubleshoot (id, version, conversation_id, expires_at, body) VALUES (@id, @version, @conversationId, @expiresAt, @body)');
    this.swapOne = db.prepare(
      'UPDATE sessions_troubleshoot SET version = @version, expires_at = @expiresAt, body = @body WHERE id = @id AND version = @expectedVersion',
    );
    this.deleteExpired = db.prepare<[string, number]>('DELETE FROM sessions_troubleshoot WHERE rowid IN (SELECT rowid FROM sessions_troubleshoot WHERE expires_at < ? LIMIT ?)');
  }

  async get(id: string): Promise<TroubleshootSession | undefined> {
    const row = this.selectOne.get(id);
    if (!row) return undefined;
    return { ...(JSON.parse(row.body) as TroubleshootSession), version: row.version };
  }

  async create(session: TroubleshootSession): Promise<TroubleshootSession> {
    const stored = { ...session, version: 1 };
    const row = { id: stored.id, version: 1, conversationId: stored.conversationId, expiresAt: stored.expiresAt, body: JSON.stringify(stored) };
    try {
      await this.writes.run(() => this.insertOne.run(row));
    } catch (error) {
      // Matched on the code, not instanceof: jest runs native errors in another realm.
      const code = (error as { code?: unknown } | null)?.code;
      if (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT')) {
        throw new CodedError('store_conflict', `Session ${session.id} already exists`, { sessionId: session.id }, { cause: error });
      }
      throw error;
    }
    return stored;
  }

  async compareAndSwap(session: TroubleshootSession, expectedVersion: number): Promise<TroubleshootSession> {
    const stored = { ...session, version: expectedVersion + 1 };
    const row = { id: stored.id, version: stored.version, expectedVersion, expiresAt: stored.expiresAt, body: JSON.stringify(stored) };
    const result = await this.writes.run(() => this.swapOne.run(row));
    if (result.changes !== 1) {
      throw new CodedError('store_conflict', `Session ${session.id} changed (expected version ${expectedVersion})`, { sessionId: session.id, expectedVersion });
    }
    return stored;
  }

  /**
   * Removes sessions that expired before `cutoff` (kept a while so late presses still get the
   * "expired" card), a batch at a time with the event loop's turns between: the first purge after a
   * busy week, or a shortened retention, would otherwise hold every turn and webhook for seconds.
   */
  async purgeExpiredBefore(cutoff: Date): Promise<number> {
    return inBatches(() => this.deleteExpired.run(cutoff.toISOString(), purgeBatchRows).changes);
  }
}
