import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { durably, openSqliteDatabase } from '../../../src/storage/sqlite-database';

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

  it('syncs fully while a durable write runs, and goes back afterwards even when it throws', () => {
    const db = openSqliteDatabase(join(dir, 'state.sqlite'));
    db.exec('CREATE TABLE t (x INTEGER)');
    const seen = durably(db, () => {
      db.prepare('INSERT INTO t VALUES (1)').run();
      return db.pragma('synchronous', { simple: true });
    });
    expect(seen).toBe(2);
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(() => durably(db, () => { throw new Error('write failed'); })).toThrow('write failed');
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 1 });
    db.close();
  });
});
