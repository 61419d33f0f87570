import { mkdtempSync, promises as fsPromises, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { durably, openSqliteDatabase, walFile } from '../../../src/storage/sqlite-database';

describe('the SQLite state file', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'backup-doctor-db-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is created on first run, in WAL mode, with NORMAL sync for everyday writes', () => {
    const db = openSqliteDatabase(join(dir, 'nested', 'state.sqlite'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    db.close();
  });

  it('resolves a durable write only after its WAL file is flushed, without switching the connection to FULL sync', async () => {
    const file = join(dir, 'state.sqlite');
    const db = openSqliteDatabase(file);
    db.exec('CREATE TABLE t (x INTEGER)');
    const opened = jest.spyOn(fsPromises, 'open');
    try {
      const seen = await durably(db, () => {
        db.prepare('INSERT INTO t VALUES (1)').run();
        return db.pragma('synchronous', { simple: true });
      });
      // The event loop is never blocked by a FULL commit; the flush is the file's own, on the thread pool.
      expect(seen).toBe(1);
      expect(opened.mock.calls.map(([path]) => path)).toEqual([walFile(db), dir]);
      expect(walFile(db)).toBe(`${file}-wal`);
    } finally {
      opened.mockRestore();
    }
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 1 });
    db.close();
  });

  it('gives a failed write back to the caller and flushes nothing for it', async () => {
    const db = openSqliteDatabase(join(dir, 'state.sqlite'));
    const opened = jest.spyOn(fsPromises, 'open');
    try {
      await expect(durably(db, () => { throw new Error('write failed'); })).rejects.toThrow('write failed');
      expect(opened).not.toHaveBeenCalled();
    } finally {
      opened.mockRestore();
    }
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    db.close();
  });

  it('runs at most two flushes at once and shares the next among the writes committed while both run, covering each of them', async () => {
    const db = openSqliteDatabase(join(dir, 'state.sqlite'));
    db.exec('CREATE TABLE t (x INTEGER)');
    const flushed: string[] = [];
    let running = 0;
    let mostAtOnce = 0;
    const realOpen = fsPromises.open.bind(fsPromises);
    const opened = jest.spyOn(fsPromises, 'open').mockImplementation(async (...args: Parameters<typeof fsPromises.open>) => {
      const handle = await realOpen(...args);
      const datasync = handle.datasync.bind(handle);
      handle.datasync = async () => {
        flushed.push(String(args[0]));
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        try {
          await datasync();
        } finally {
          running -= 1;
        }
      };
      return handle;
    });
    try {
      await durably(db, () => db.prepare('INSERT INTO t VALUES (0)').run());
      expect(flushed).toEqual([walFile(db)]);
      const writes = [1, 2, 3, 4, 5].map((x) => durably(db, () => db.prepare('INSERT INTO t VALUES (?)').run(x).changes));
      expect(await Promise.all(writes)).toEqual([1, 1, 1, 1, 1]);
      // The first write's flush; then the next two writes' own, side by side; then one more, started after one of
      // those ended, for the three committed while both ran.
      expect(flushed).toEqual([walFile(db), walFile(db), walFile(db), walFile(db)]);
      expect(mostAtOnce).toBe(2);
    } finally {
      opened.mockRestore();
    }
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 6 });
    db.close();
  });
});
