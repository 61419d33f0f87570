import Database from 'better-sqlite3';
import { mkdirSync, promises as fsPromises } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
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
  // can roll back the newest commits. Writes that promise more (the alert 202) use `durably`,
  // which flushes the WAL off the event loop before resolving.
  // FULL on every write would fsync once per chat turn and block the event loop while it does.
  db.pragma('synchronous = NORMAL');
  return db;
}

/**
 * Runs `write` (one transaction, committed with the everyday NORMAL sync: the WAL is written but
 * not flushed) and resolves once the WAL file is on disk. That is what synchronous=FULL promises,
 * but the fsync runs on libuv's thread pool instead of blocking the event loop, so requests keep
 * being read and validated while the disk works. For writes whose answer promises the data is on
 * disk (an accepted alert).
 */
export async function durably<T>(db: SqliteDatabase, write: () => T): Promise<T> {
  const result = write();
  if (!db.memory) await walSyncer(db).sync();
  return result;
}

const syncers = new WeakMap<SqliteDatabase, WalSyncer>();

function walSyncer(db: SqliteDatabase): WalSyncer {
  let syncer = syncers.get(db);
  if (syncer === undefined) {
    syncer = new WalSyncer(walFile(db));
    syncers.set(db, syncer);
  }
  return syncer;
}

/**
 * Group sync: at most two fsyncs of the WAL run at a time. A commit starts its own while a slot is
 * free, so it does not wait behind a flush that began before it; when both are busy, it waits for
 * the next one, which starts as soon as a slot frees and covers every commit made meanwhile. A storm
 * costs as many fsyncs as the disk can do, not one per batch, and leaves the rest of libuv's
 * thread pool to files and DNS. One at a time made a commit wait for up to two flushes, and the
 * event loop sat idle with every request waiting on the disk.
 */
class WalSyncer {
  private inFlight = 0;
  private queued: { readonly promise: Promise<void>; readonly resolve: () => void; readonly reject: (error: unknown) => void } | undefined;
  private directorySynced = false;
  /** Kept open through a storm (an open per flush would cost two more trips to the thread pool), closed when idle. */
  private handle: Promise<FileHandle> | undefined;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly file: string) {}

  sync(): Promise<void> {
    if (this.inFlight < maxConcurrentWalSyncs) return this.start();
    if (this.queued === undefined) {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.queued = { promise, resolve, reject };
    }
    return this.queued.promise;
  }

  private start(): Promise<void> {
    this.inFlight += 1;
    clearTimeout(this.idleTimer);
    return this.flush().finally(() => {
      this.inFlight -= 1;
      const queued = this.queued;
      if (queued !== undefined) {
        this.queued = undefined;
        this.start().then(queued.resolve, queued.reject);
      } else if (this.inFlight === 0) {
        this.closeWhenIdle();
      }
    });
  }

  private async flush(): Promise<void> {
    // Looked up on the module object at call time, so a test can watch the sync happen.
    this.handle ??= fsPromises.open(this.file, 'r');
    try {
      // fdatasync, as SQLite's own FULL sync on Linux: the bytes and the size, not the times.
      await (await this.handle).datasync();
    } catch (error) {
      this.release();
      throw error;
    }
    // Once per database: the WAL file's own name in its directory (SQLite's FULL sync does the same).
    if (!this.directorySynced) {
      const directory = await fsPromises.open(dirname(this.file), 'r');
      try {
        await directory.sync();
      } finally {
        await directory.close();
      }
      this.directorySynced = true;
    }
  }

  private closeWhenIdle(): void {
    this.idleTimer = setTimeout(() => this.release(), walHandleIdleMs);
    this.idleTimer.unref();
  }

  private release(): void {
    const handle = this.handle;
    this.handle = undefined;
    void handle?.then((h) => h.close()).catch(() => undefined);
  }
}

/** Flushes of one WAL at once: two keep the disk busy while a commit's flush never waits behind one it did not need. */
const maxConcurrentWalSyncs = 2;

/** How long the WAL stays open after the last flush. */
const walHandleIdleMs = 1_000;

/** The write-ahead log of a database in WAL mode (SQLite names it after the database file). */
export function walFile(db: SqliteDatabase): string {
  return `${db.name}-wal`;
}

export function ensureSchema(db: SqliteDatabase, statements: readonly string[]): void {
  db.transaction(() => {
    for (const sql of statements) db.exec(sql);
  })();
}

/** A column a table gained after files were first made with it. */
export interface AddedColumn {
  readonly name: string;
  /** Its type and constraints as ALTER TABLE takes them (a NOT NULL column needs a DEFAULT). */
  readonly definition: string;
}

/**
 * Adds the columns an older file's table lacks, in one immediate transaction: two processes opening
 * the same old file at once (busy_timeout lets them) then add each column once, where reading the
 * columns first and altering after let both try, and one fail to start. `afterAdding` runs in the
 * same transaction when a column was added (an index to rebuild over the new column).
 */
export function addMissingColumns(db: SqliteDatabase, table: string, columns: readonly AddedColumn[], afterAdding?: () => void): void {
  db.transaction(() => {
    const present = new Set(db.prepare<[string], { name: string }>('SELECT name FROM pragma_table_info(?)').all(table).map((c) => c.name));
    const missing = columns.filter((c) => !present.has(c.name));
    for (const column of missing) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column.name} ${column.definition}`);
    if (missing.length > 0) afterAdding?.();
  }).immediate();
}

/** Rows a purge deletes per statement: a few milliseconds of work, so a purge never holds the event loop for long. */
export const purgeBatchRows = 500;

/**
 * Runs `batch` (one short write, returning how many rows it removed) until it removes fewer than a
 * full batch, letting the event loop run between batches. Returns the rows removed in all.
 */
export async function inBatches(batch: () => number, fullBatch = purgeBatchRows): Promise<number> {
  let total = 0;
  for (;;) {
    const removed = batch();
    total += removed;
    if (removed < fullBatch) return total;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
