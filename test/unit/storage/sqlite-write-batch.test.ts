import { openSqliteDatabase } from '../../../src/storage/sqlite-database';
import { SqliteWriteBatch } from '../../../src/storage/sqlite-write-batch';

function database() {
  const db = openSqliteDatabase(':memory:');
  db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER NOT NULL)');
  const insert = db.prepare<[string, number]>('INSERT INTO t (id, n) VALUES (?, ?)');
  const rows = () => db.prepare<[], { id: string; n: number }>('SELECT id, n FROM t ORDER BY id').all();
  return { db, insert, rows };
}

test('writes queued in the same tick commit together, each settling with its own result', async () => {
  const { db, insert, rows } = database();
  const batch = new SqliteWriteBatch(db);
  const inTransaction: boolean[] = [];
  const results = await Promise.all(
    ['a', 'b', 'c'].map((id, i) =>
      batch.run(() => {
        inTransaction.push(db.inTransaction);
        return insert.run(id, i).changes;
      }),
    ),
  );
  expect(results).toEqual([1, 1, 1]);
  expect(inTransaction).toEqual([true, true, true]);
  expect(db.inTransaction).toBe(false);
  expect(rows()).toEqual([{ id: 'a', n: 0 }, { id: 'b', n: 1 }, { id: 'c', n: 2 }]);
});

test('a write that fails in a batch is rolled back and rejected alone; the others are stored', async () => {
  const { db, insert, rows } = database();
  insert.run('taken', 0);
  const batch = new SqliteWriteBatch(db);
  const settled = await Promise.allSettled([
    batch.run(() => insert.run('first', 1)),
    // Two statements: the first succeeds, the second breaks the key; neither may remain.
    batch.run(() => {
      insert.run('half', 2);
      insert.run('taken', 2);
    }),
    batch.run(() => insert.run('last', 3)),
  ]);
  expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  expect(String((settled[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
  expect(rows().map((r) => r.id)).toEqual(['first', 'last', 'taken']);
});

test('a write alone fails as it would without the batch', async () => {
  const { db, insert, rows } = database();
  insert.run('taken', 0);
  const batch = new SqliteWriteBatch(db);
  await expect(batch.run(() => insert.run('taken', 1))).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
  await expect(batch.run(() => insert.run('free', 1))).resolves.toEqual(expect.objectContaining({ changes: 1 }));
  expect(rows().map((r) => r.id)).toEqual(['free', 'taken']);
});

test('when the batch cannot commit, every write of it is rejected and nothing is stored', async () => {
  const { db, insert, rows } = database();
  const batch = new SqliteWriteBatch(db);
  // A deferred foreign key is checked at commit: the whole transaction fails then, after every write succeeded.
  db.exec('PRAGMA defer_foreign_keys = ON; CREATE TABLE child (parent TEXT REFERENCES t(id) DEFERRABLE INITIALLY DEFERRED)');
  const orphan = db.prepare('INSERT INTO child (parent) VALUES (?)');
  const settled = await Promise.allSettled([batch.run(() => insert.run('x', 1)), batch.run(() => orphan.run('missing'))]);
  expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
  expect(rows()).toEqual([]);
});

test('more writes than one batch holds are committed in several, in order', async () => {
  const { db, insert, rows } = database();
  const batch = new SqliteWriteBatch(db, 4);
  await Promise.all(Array.from({ length: 10 }, (_, i) => batch.run(() => insert.run(`k${String(i).padStart(2, '0')}`, i))));
  expect(rows().map((r) => r.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});
