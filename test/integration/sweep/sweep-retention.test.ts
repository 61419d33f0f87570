import { startTestBot, tempStateFile, type TestBot } from '../../helpers/test-app';
import { ManualClock } from '../alerts/alert-test-kit';
import { SqliteSweepStore } from '../../../src/storage/sqlite-sweep-store';
import type { FleetSweepResult } from '../../../src/core/sweep/fleet-sweep-result';

/** Every table of the state file has a retention: after a year and every purge the bot runs, old fleet sweeps are gone. */
describe('fleet sweeps in the SQLite state file', () => {
  let bot: TestBot;
  let state: ReturnType<typeof tempStateFile>;
  const clock = new ManualClock(new Date('2026-01-01T06:00:00Z'));

  beforeAll(async () => {
    state = tempStateFile();
    bot = await startTestBot(state.file, { INCIDENT_RETENTION_DAYS: '30', SESSION_RETENTION_DAYS: '7' }, { clock });
  });
  afterAll(async () => {
    await bot.stop();
    state.cleanup();
  });

  it('are purged like incidents (a scheduled sweep a day for a year is not 365 copies of the fleet)', async () => {
    const store = new SqliteSweepStore(bot.app.db);
    for (let day = 0; day < 365; day++) {
      const at = new Date(clock.now().getTime()).toISOString();
      const sweep = { id: `sweep-${day}`, trigger: 'schedule', startedAt: at, finishedAt: at, total: 1000, atRisk: [], unchecked: [], unreadableVaults: [] } as FleetSweepResult;
      await store.save(sweep);
      clock.advance(86_400_000);
    }
    expect(await bot.app.sweepPurge.runOnce()).toBe(335);
    const { n } = bot.app.db.prepare('SELECT COUNT(*) AS n FROM fleet_sweeps').get() as { n: number };
    // The sweeps of the last INCIDENT_RETENTION_DAYS (30 days) stay.
    expect(n).toBe(30);
  });
});
