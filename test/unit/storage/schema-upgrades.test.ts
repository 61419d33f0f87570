import Database from 'better-sqlite3';
import { tempStateFile } from '../../helpers/test-app';
import { openSqliteDatabase, type SqliteDatabase } from '../../../src/storage/sqlite-database';
import { SqliteOutbox } from '../../../src/storage/sqlite-outbox';
import { SqliteSweepStore } from '../../../src/storage/sqlite-sweep-store';
import type { FleetSweepResult } from '../../../src/core/sweep/fleet-sweep-result';

/**
 * A state file made by an older version is opened by the current one: its tables gain the columns
 * added since, once, however many processes open it together.
 */

/** Creates the file as an older version left it. */
function oldFile(sql: string): { file: string; cleanup: () => void } {
  const state = tempStateFile();
  const db = new Database(state.file);
  db.exec(sql);
  db.close();
  return state;
}

/** The connection, with `duringAlter` run just before each ALTER it executes (what another process might do then). */
function alteringWith(db: SqliteDatabase, duringAlter: () => void): SqliteDatabase {
  return new Proxy(db, {
    get(target, key) {
      if (key === 'exec') {
        return (sql: string) => {
          if (sql.trimStart().startsWith('ALTER')) duringAlter();
          return target.exec(sql);
        };
      }
      const value = Reflect.get(target, key) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const outboxBeforeClaims = `CREATE TABLE outbox_entry (
  id TEXT PRIMARY KEY, incident_id TEXT NOT NULL, conversation_key TEXT NOT NULL, subscription_id TEXT NOT NULL,
  wanted_revision INTEGER NOT NULL, delivered_revision INTEGER NOT NULL, activity_id TEXT,
  due_at INTEGER NOT NULL, attempts INTEGER NOT NULL, last_sent_at INTEGER, status TEXT NOT NULL, last_error TEXT,
  UNIQUE (incident_id, conversation_key))`;

it('an outbox from before pending times and claims is upgraded under a write lock: another process cannot add the same column meanwhile', () => {
  const state = oldFile(outboxBeforeClaims);
  const first = openSqliteDatabase(state.file);
  // Another process's connection, not waiting for locks: what it may do while the first upgrades.
  const other = new Database(state.file, { timeout: 0 });
  const attempts: string[] = [];
  try {
    new SqliteOutbox(
      alteringWith(first, () => {
        try {
          other.exec('ALTER TABLE outbox_entry ADD COLUMN pending_since INTEGER');
          attempts.push('altered');
        } catch (error) {
          attempts.push((error as { code?: string }).code ?? String(error));
        }
      }),
    );
    expect(attempts.length).toBeGreaterThan(0);
    expect(attempts.every((a) => a === 'SQLITE_BUSY')).toBe(true);
    // Opened again (the other process starting after): nothing left to add, nothing thrown.
    expect(() => new SqliteOutbox(openSqliteDatabase(state.file))).not.toThrow();
    const columns = first.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('outbox_entry')").all().map((c) => c.name);
    expect(columns).toEqual(expect.arrayContaining(['pending_since', 'claimed_by', 'claimed_until']));
  } finally {
    other.close();
    first.close();
    state.cleanup();
  }
});

it('a file made before sweeps kept their trigger still stores and finds sweeps', async () => {
  const state = oldFile(`CREATE TABLE fleet_sweeps (id TEXT PRIMARY KEY, finished_at TEXT NOT NULL, result_json TEXT NOT NULL);
    CREATE INDEX fleet_sweeps_finished ON fleet_sweeps (finished_at);
    INSERT INTO fleet_sweeps VALUES ('s1', '2026-12-04T08:00:00.000Z', '{"id":"s1","finishedAt":"2026-12-04T08:00:00.000Z"}');`);
  const db = openSqliteDatabase(state.file);
  try {
    const store = new SqliteSweepStore(db);
    expect((await store.latest())?.id).toBe('s1');
    await store.save({ id: 's2', trigger: 'schedule', startedAt: '2026-12-05T08:00:00.000Z', finishedAt: '2026-12-05T08:00:00.000Z', total: 0, vaultTotals: {}, atRisk: [], unchecked: [], unreadableVaults: [] } as unknown as FleetSweepResult);
    expect((await store.latest('schedule'))?.id).toBe('s2');
    expect((await store.latest('command'))?.id).toBe('s1');
    const index = db.prepare<[], { name: string }>("SELECT name FROM pragma_index_info('fleet_sweeps_finished')").all().map((c) => c.name);
    expect(index).toEqual(['trigger', 'finished_at']);
  } finally {
    db.close();
    state.cleanup();
  }
});
