import type { Clock } from '../../../src/core/ports';
import { newSession } from '../../../src/core/troubleshoot/session';
import { type IntervalTimer, startSessionPurge } from '../../../src/storage/session-purge';
import { openSqliteDatabase } from '../../../src/storage/sqlite-database';
import { SqliteSessionStore } from '../../../src/storage/sqlite-session-store';
import { parseConfig } from '../../../src/config';

const hour = 3_600_000;
const day = 24 * hour;

/** A timer the test ticks by hand. */
function manualTimer(): IntervalTimer & { tick(): void; readonly active: number; readonly everyMs: number[] } {
  const runs = new Map<number, () => void>();
  const everyMs: number[] = [];
  let next = 0;
  return {
    setInterval(run, ms) {
      next += 1;
      runs.set(next, run);
      everyMs.push(ms);
      return next;
    },
    clearInterval(handle) {
      runs.delete(handle as number);
    },
    tick() {
      for (const run of runs.values()) run();
    },
    get active() {
      return runs.size;
    },
    everyMs,
  };
}

async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

describe('the session purge', () => {
  const start = new Date('2026-03-01T00:00:00Z');
  let now = start;
  const clock: Clock = { now: () => now };
  const store = new SqliteSessionStore(openSqliteDatabase(':memory:'));
  const make = (id: string, createdAt: Date, ttlMs: number) =>
    store.create(newSession({ id, codeId: 'UserErrorGuestAgentStatusUnavailable', causeIds: ['a'], language: 'en', conversationId: 'c', createdBy: 'u', now: createdAt, ttlMs }));

  test('removes sessions expired more than the retention ago, at start and on every tick; keeps the rest; stops on stop()', async () => {
    // Expired 10 days before the start, expired 2 days before, still alive.
    await make('session-old-000001', new Date(start.getTime() - 13 * day), 3 * day);
    await make('session-recent-0001', new Date(start.getTime() - 5 * day), 3 * day);
    await make('session-alive-00001', start, 3 * day);
    const timer = manualTimer();
    const purge = startSessionPurge({ sessions: store, clock, retentionMs: 7 * day, intervalMs: 60 * 60_000, timer });
    await settle();
    expect(timer.everyMs).toEqual([hour]);
    expect(await store.get('session-old-000001')).toBeUndefined();
    expect(await store.get('session-recent-0001')).toBeDefined();
    expect(await store.get('session-alive-00001')).toBeDefined();

    // Six days later the "recent" one passes the retention; the alive one expired only 3 days ago.
    now = new Date(start.getTime() + 6 * day);
    timer.tick();
    await settle();
    expect(await store.get('session-recent-0001')).toBeUndefined();
    expect(await store.get('session-alive-00001')).toBeDefined();

    purge.stop();
    expect(timer.active).toBe(0);
    now = new Date(start.getTime() + 30 * day);
    timer.tick();
    await settle();
    expect(await store.get('session-alive-00001')).toBeDefined();
    // A purge on demand still works, and reports what it removed.
    expect(await purge.runOnce()).toBe(1);
  });

  test('a failing purge is logged and retried on the next tick, never thrown', async () => {
    let calls = 0;
    const warnings: unknown[] = [];
    const logger = { warn: (o: unknown) => warnings.push(o), info: () => undefined } as unknown as Parameters<typeof startSessionPurge>[0]['logger'];
    const timer = manualTimer();
    const purge = startSessionPurge({
      sessions: {
        purgeExpiredBefore: () => {
          calls += 1;
          if (calls === 1) throw new Error('database is locked');
          return 3;
        },
      },
      clock,
      retentionMs: day,
      intervalMs: 1000,
      timer,
      logger,
    });
    await settle();
    expect(warnings).toHaveLength(1);
    expect(await purge.runOnce()).toBe(3);
    purge.stop();
  });

  test('an interval of 0 turns the periodic purge off', async () => {
    const timer = manualTimer();
    let calls = 0;
    startSessionPurge({ sessions: { purgeExpiredBefore: () => (calls += 1) }, clock, retentionMs: day, intervalMs: 0, timer });
    await settle();
    expect(calls).toBe(0);
    expect(timer.active).toBe(0);
  });

  test('retention and interval come from the configuration (7 days and 60 minutes by default)', () => {
    const defaults = parseConfig({ BOT_MODE: 'local' });
    expect([defaults.sessionRetentionDays, defaults.sessionPurgeIntervalMinutes]).toEqual([7, 60]);
    const set = parseConfig({ BOT_MODE: 'local', SESSION_RETENTION_DAYS: '2', SESSION_PURGE_INTERVAL_MINUTES: '0' });
    expect([set.sessionRetentionDays, set.sessionPurgeIntervalMinutes]).toEqual([2, 0]);
    expect(() => parseConfig({ BOT_MODE: 'local', SESSION_RETENTION_DAYS: '-1' })).toThrow(/SESSION_RETENTION_DAYS/);
  });
});
