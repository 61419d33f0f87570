import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type SqliteDatabase = Database.Database;

/**
 * Opens (and creates on first run) the one SQLite file that holds the bot's state.
 * Each store module owns its tables and creates them with `ensureSchema`, so stores
 * can be added without a central migration list.
 */
export function openSqliteDatabase(file: string): SqliteDatabase {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  // WAL lets readers run beside the single writer; busy_timeout covers a second bot process on the same file.
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  // WAL + NORMAL: consistent and durable across process crashes; only an OS crash or power loss
  // can roll back the newest commits. Writes that promise more (the alert 202) use `durably`.
  // FULL on every write would fsync once per chat turn and block the event loop while it does.
  db.pragma('synchronous = NORMAL');
  return db;
}

/**
 * Runs `write` with a full sync of the WAL on commit, for writes whose answer promises the data
 * is on disk (an accepted alert). better-sqlite3 is synchronous, so nothing else interleaves.
 */
export function durably<T>(db: SqliteDatabase, write: () => T): T {
  db.pragma('synchronous = FULL');
  try {
    return write();
  } finally {
    db.pragma('synchronous = NORMAL');
  }
}

export function ensureSchema(db: SqliteDatabase, statements: readonly string[]): void {
  db.transaction(() => {
    for (const sql of statements) db.exec(sql);
  })();
}
