import { mkdtempSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createLogger } from '../../../src/logger';
import { BackgroundCheckpointer } from '../../../src/storage/sqlite-checkpointer';
import { openSqliteDatabase, type SqliteDatabase, walFile } from '../../../src/storage/sqlite-database';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Many small commits, as a storm makes them, with the event loop free between bursts (the worker answers then). */
async function writeMany(db: SqliteDatabase, commits: number, bytesEach: number): Promise<void> {
  const insert = db.prepare('INSERT INTO t (payload) VALUES (?)');
  for (let i = 0; i < commits; i++) {
    insert.run('x'.repeat(bytesEach));
    if (i % 20 === 19) await pause(5);
  }
}

describe('WAL checkpoints off the event loop', () => {
  let dir: string;
  let db: SqliteDatabase;
  let checkpointer: BackgroundCheckpointer | undefined;
  const warnings: string[] = [];
  const logger = createLogger('silent');
  jest.spyOn(logger, 'warn').mockImplementation(((_: unknown, message: string) => void warnings.push(message)) as never);

  beforeEach(() => {
    warnings.length = 0;
    dir = mkdtempSync(join(tmpdir(), 'backup-doctor-checkpoint-'));
    db = openSqliteDatabase(join(dir, 'state.sqlite'));
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)');
  });
  afterEach(async () => {
    await checkpointer?.stop();
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the WAL bounded while the connection itself never checkpoints, and loses no row', async () => {
    checkpointer = BackgroundCheckpointer.start(db, { logger, intervalMs: 10, startAtBytes: 64 * 1024 });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    await writeMany(db, 800, 8 * 1024);

    const state = checkpointer?.state();
    expect(state?.workerRunning).toBe(true);
    expect(state?.checkpoints).toBeGreaterThan(0);
    // 800 commits of 8 KB rows append about 13 MB of pages to a WAL nothing checkpoints: only checkpoints let it start over.
    expect(statSync(walFile(db)).size).toBeLessThan(6 * 1024 * 1024);
    expect(warnings).toEqual([]);

    await checkpointer?.stop();
    checkpointer = undefined;
    db.close();
    const reopened = new Database(join(dir, 'state.sqlite'), { readonly: true });
    expect(reopened.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 800 });
    reopened.close();
  });

  it('does not start a worker while the WAL is small', async () => {
    checkpointer = BackgroundCheckpointer.start(db, { logger, intervalMs: 10, startAtBytes: 1024 * 1024 });
    await writeMany(db, 20, 1024);
    await pause(50);
    expect(checkpointer?.state()).toMatchObject({ workerRunning: false, checkpoints: 0, fellBack: false });
  });

  it('switches SQLite\'s own checkpoints back on, with a warning, when the worker cannot checkpoint', async () => {
    checkpointer = BackgroundCheckpointer.start(db, { logger, intervalMs: 10, startAtBytes: 16 * 1024 });
    // The worker opens the database file by its name: gone from its folder, it cannot.
    unlinkSync(join(dir, 'state.sqlite'));
    await writeMany(db, 40, 4 * 1024);
    for (let i = 0; i < 100 && !checkpointer?.state().fellBack; i++) await pause(20);

    expect(checkpointer?.state()).toMatchObject({ workerRunning: false, fellBack: true });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    expect(warnings).toEqual(['WAL checkpoints are back on the event loop']);
  });

  it('leaves an in-memory database alone (it has no WAL)', () => {
    const memory = openSqliteDatabase(':memory:');
    expect(BackgroundCheckpointer.start(memory, { logger })).toBeUndefined();
    memory.close();
  });
});
