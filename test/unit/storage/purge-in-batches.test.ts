import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteDatabase, purgeBatchRows, type SqliteDatabase } from '../../../src/storage/sqlite-database';
import { SqliteSessionStore } from '../../../src/storage/sqlite-session-store';
import { SqliteAlertHistory } from '../../../src/storage/sqlite-alert-history';
import { sqliteSharedStores } from '../../../src/storage/sqlite-shared-stores';
import { startSessionPurge } from '../../../src/storage/session-purge';

/**
 * A purge of many rows (the first after a busy week, or a shortened retention) deletes a batch at a
 * time and lets the event loop turn between batches, so turns and webhooks are served meanwhile.
 * Counted in event-loop turns, not milliseconds: the machine's speed does not decide the answer.
 */

/** How many times the event loop turned (setImmediate) while `work` ran. */
async function turnsDuring(work: () => Promise<unknown>): Promise<number> {
  let turns = 0;
  let running = true;
  const tick = (): void => {
    if (!running) return;
    turns += 1;
    setImmediate(tick);
  };
  setImmediate(tick);
  await work();
  running = false;
  return turns;
}

const longAgo = Date.parse('2025-01-01T00:00:00Z');
const now = new Date('2026-06-01T00:00:00Z');
let dir: string;
let db: SqliteDatabase;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'purge-batches-'));
  db = openSqliteDatabase(join(dir, 'state.sqlite'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

it('expired sessions: every one goes, in batches with the event loop turning between them', async () => {
  const sessions = new SqliteSessionStore(db);
  const insert = db.prepare('INSERT INTO sessions_troubleshoot VALUES (?, 1, ?, ?, ?)');
  const count = purgeBatchRows * 10 + 7;
  db.transaction(() => {
    for (let i = 0; i < count; i++) insert.run(`s${i}`, 'conv', new Date(longAgo).toISOString(), '{}');
    insert.run('kept', 'conv', now.toISOString(), '{}');
  })();
  const purge = startSessionPurge({ sessions, clock: { now: () => now }, retentionMs: 7 * 86_400_000, intervalMs: 0 });
  let removed = 0;
  const turns = await turnsDuring(async () => (removed = await purge.runOnce()));
  expect(removed).toBe(count);
  expect(turns).toBeGreaterThanOrEqual(10);
  expect(db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM sessions_troubleshoot').get()?.n).toBe(1);
});

it('alert history past the retention: incidents, their VMs and alerts go in batches; a pending message keeps its incident and alert', async () => {
  sqliteSharedStores(db, { now: () => now });
  const incident = db.prepare("INSERT INTO incidents_incident VALUES (?, ?, '{}', 'code', NULL, ?, ?, 1, 1, 0)");
  const vm = db.prepare("INSERT INTO incidents_vm VALUES (?, 'vm', 'vm', NULL, 'job', 'fired', ?, ?, ?)");
  const alert = db.prepare("INSERT INTO incidents_inbox VALUES (?, ?, '{}', 'code', 'grouped', ?, ?)");
  const pending = db.prepare(
    "INSERT INTO outbox_entry (id, incident_id, conversation_key, subscription_id, wanted_revision, delivered_revision, due_at, attempts, status) VALUES (?, ?, 'conv', 'sub', 2, 1, 0, 0, 'pending')",
  );
  const count = purgeBatchRows * 6;
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      incident.run(`i${i}`, `g${i % 50}`, longAgo, longAgo);
      vm.run(`i${i}`, longAgo, longAgo, i);
      alert.run(`a${i}`, `fired:job:${i}`, `i${i}`, longAgo);
    }
    pending.run('o-waiting', 'i42');
  })();
  const purge = startSessionPurge({ sessions: new SqliteAlertHistory(db), clock: { now: () => now }, retentionMs: 30 * 86_400_000, intervalMs: 0 });
  let removed = 0;
  const turns = await turnsDuring(async () => (removed = await purge.runOnce()));
  expect(removed).toBe((count - 1) * 3);
  expect(turns).toBeGreaterThanOrEqual(6);
  const left = (table: string): number => db.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).get()?.n ?? -1;
  expect([left('incidents_incident'), left('incidents_vm'), left('incidents_inbox'), left('outbox_entry')]).toEqual([1, 1, 1, 1]);
  expect(db.prepare<[], { id: string }>('SELECT id FROM incidents_incident').get()?.id).toBe('i42');
});
