import { CodedError } from '../core/errors';
import { isOpenState, type FixRequest, type FixRequestState } from '../core/remediation/fix-request';
import type { FixRequestStore } from '../core/remediation/ports';
import { type SqliteDatabase, addMissingColumns, ensureSchema } from './sqlite-database';

const schema = [
  `CREATE TABLE IF NOT EXISTS fix_requests (
     id TEXT PRIMARY KEY,
     version INTEGER NOT NULL,
     state TEXT NOT NULL,
     session_id TEXT,
     created_at TEXT NOT NULL,
     body TEXT NOT NULL,
     open_key TEXT
   )`,
  'CREATE INDEX IF NOT EXISTS fix_requests_session ON fix_requests (session_id, created_at)',
  'CREATE INDEX IF NOT EXISTS fix_requests_state ON fix_requests (state, created_at)',
];

/**
 * One open request per key: `open_key` holds the request's key while it is open and NULL once
 * it is final (NULLs never collide), so the second of two racing inserts fails in SQLite itself.
 */
const openKeyIndex = 'CREATE UNIQUE INDEX IF NOT EXISTS fix_requests_open_key ON fix_requests (open_key) WHERE open_key IS NOT NULL';

/** Files made before open keys existed get the column (NULL for their rows: they hold no key). */
function addOpenKeyColumn(db: SqliteDatabase): void {
  addMissingColumns(db, 'fix_requests', [{ name: 'open_key', definition: 'TEXT' }]);
  ensureSchema(db, [openKeyIndex]);
}

const openKeyOf = (request: FixRequest): string | null => (request.openKey !== undefined && isOpenState(request.state) ? request.openKey : null);

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
  private readonly holderOf;

  constructor(db: SqliteDatabase) {
    ensureSchema(db, schema);
    addOpenKeyColumn(db);
    this.selectOne = db.prepare<[string], Row>('SELECT version, body FROM fix_requests WHERE id = ?');
    this.insertOne = db.prepare('INSERT INTO fix_requests (id, version, state, session_id, created_at, body, open_key) VALUES (@id, @version, @state, @sessionId, @createdAt, @body, @openKey)');
    // A move to a final state releases the key in the same statement.
    this.swapOne = db.prepare('UPDATE fix_requests SET version = @version, state = @state, body = @body, open_key = @openKey WHERE id = @id AND version = @expectedVersion');
    this.holderOf = db.prepare<[string], { id: string }>('SELECT id FROM fix_requests WHERE open_key = ?');
    this.bySession = db.prepare<[string], Row>('SELECT version, body FROM fix_requests WHERE session_id = ? ORDER BY created_at DESC');
    this.byState = db.prepare<[string, number], Row>('SELECT version, body FROM fix_requests WHERE state = ? ORDER BY created_at ASC LIMIT ?');
  }

  async create(request: FixRequest): Promise<FixRequest> {
    const stored: FixRequest = { ...request, version: 1 };
    try {
      this.insertOne.run({ id: stored.id, version: 1, state: stored.state, sessionId: stored.sessionId ?? null, createdAt: stored.createdAt, body: JSON.stringify(stored), openKey: openKeyOf(stored) });
    } catch (error) {
      // Checked by code, not instanceof: under jest the native module's errors may come from another realm.
      if (/^SQLITE_CONSTRAINT/.test(String((error as { code?: unknown }).code))) {
        if (stored.openKey !== undefined && /open_key/.test(String((error as { message?: unknown }).message))) {
          const holder = this.holderOf.get(stored.openKey);
          throw new CodedError('store_conflict', `A fix request is already open for ${stored.openKey}`, { openKey: stored.openKey, ...(holder ? { openRequestId: holder.id } : {}) }, { cause: error });
        }
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
    const result = this.swapOne.run({ id: stored.id, version: stored.version, expectedVersion, state: stored.state, body: JSON.stringify(stored), openKey: openKeyOf(stored) });
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
