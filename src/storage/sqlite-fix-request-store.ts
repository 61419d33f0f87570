import { CodedError } from '../core/errors';
import type { FixRequest, FixRequestState } from '../core/remediation/fix-request';
import type { FixRequestStore } from '../core/remediation/ports';
import { type SqliteDatabase, ensureSchema } from './sqlite-database';

const schema = [
  `CREATE TABLE IF NOT EXISTS fix_requests (
     id TEXT PRIMARY KEY,
     version INTEGER NOT NULL,
     state TEXT NOT NULL,
     session_id TEXT,
     created_at TEXT NOT NULL,
     body TEXT NOT NULL
   )`,
  'CREATE INDEX IF NOT EXISTS fix_requests_session ON fix_requests (session_id, created_at)',
  'CREATE INDEX IF NOT EXISTS fix_requests_state ON fix_requests (state, created_at)',
];

interface Row {
  readonly version: number;
  readonly body: string;
}

/**
 * Fix requests in the bot's SQLite file. Every transition is
 * `UPDATE ... WHERE id = ? AND version = ?` and counts as won only when exactly one row
 * changed: SQLite serialises writers across connections and processes, so two approvals
 * (or two bot instances on one file) can never both move a request on.
 */
export class SqliteFixRequestStore implements FixRequestStore {
  private readonly selectOne;
  private readonly insertOne;
  private readonly swapOne;
  private readonly bySession;
  private readonly byState;

  constructor(db: SqliteDatabase) {
    ensureSchema(db, schema);
    this.selectOne = db.prepare<[string], Row>('SELECT version, body FROM fix_requests WHERE id = ?');
    this.insertOne = db.prepare('INSERT INTO fix_requests (id, version, state, session_id, created_at, body) VALUES (@id, @version, @state, @sessionId, @createdAt, @body)');
    this.swapOne = db.prepare('UPDATE fix_requests SET version = @version, state = @state, body = @body WHERE id = @id AND version = @expectedVersion');
    this.bySession = db.prepare<[string], Row>('SELECT version, body FROM fix_requests WHERE session_id = ? ORDER BY created_at DESC');
    this.byState = db.prepare<[string, number], Row>('SELECT version, body FROM fix_requests WHERE state = ? ORDER BY created_at ASC LIMIT ?');
  }

  async create(request: FixRequest): Promise<FixRequest> {
    const stored: FixRequest = { ...request, version: 1 };
    try {
      this.insertOne.run({ id: stored.id, version: 1, state: stored.state, sessionId: stored.sessionId ?? null, createdAt: stored.createdAt, body: JSON.stringify(stored) });
    } catch (error) {
      // Checked by code, not instanceof: under jest the native module's errors may come from another realm.
      if (/^SQLITE_CONSTRAINT/.test(String((error as { code?: unknown }).code))) {
        throw new CodedError('store_conflict', `Fix request ${request.id} already exists`, { requestId: request.id }, { cause: error });
      }
      throw error;
    }
    return stored;
  }

  async get(id: string): Promise<FixRequest | undefined> {
    const row = this.selectOne.get(id);
    return row ? fromRow(row) : undefined;
  }

  async compareAndSwap(request: FixRequest, expectedVersion: number): Promise<FixRequest | undefined> {
    const stored: FixRequest = { ...request, version: expectedVersion + 1 };
    const result = this.swapOne.run({ id: stored.id, version: stored.version, expectedVersion, state: stored.state, body: JSON.stringify(stored) });
    return result.changes === 1 ? stored : undefined;
  }

  async listBySession(sessionId: string): Promise<FixRequest[]> {
    return this.bySession.all(sessionId).map(fromRow);
  }

  async listByState(state: FixRequestState, limit = 100): Promise<FixRequest[]> {
    return this.byState.all(state, limit).map(fromRow);
  }
}

function fromRow(row: Row): FixRequest {
  return { ...(JSON.parse(row.body) as FixRequest), version: row.version };
}
