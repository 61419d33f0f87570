import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AtRiskVm, FleetSweepResult } from '../../../src/core/sweep/fleet-sweep-result';
import type { SweepStore } from '../../../src/core/sweep/sweep-store';
import { createAzureSweepStore } from '../../../src/storage/azure-state-stores';
import { openSqliteDatabase, type SqliteDatabase } from '../../../src/storage/sqlite-database';
import { SqliteSweepStore } from '../../../src/storage/sqlite-sweep-store';
import { uniqueTablePrefix, useAzurite } from './azurite';

/**
 * The fleet sweeps and digest messages behave the same in SQLite and on Azure Table Storage
 * (Azurite): `open()` is another bot instance on the same state (another connection to the
 * file, another set of clients on the same tables), so what one saved the other reads.
 */
const azurite = useAzurite('table');

interface Backend {
  open(): SweepStore;
  close(): void;
}

const backends: [string, () => Backend][] = [
  [
    'SQLite',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'sweeps-'));
      const connections: SqliteDatabase[] = [];
      return {
        open: () => {
          const db = openSqliteDatabase(join(dir, 'state.sqlite'));
          connections.push(db);
          return new SqliteSweepStore(db);
        },
        close: () => {
          for (const db of connections.splice(0)) db.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  ],
  [
    'Azure Table',
    () => {
      const running = azurite();
      if (!running) throw new Error('Azurite is not running');
      const settings = { connectionString: running.connectionString, tablePrefix: uniqueTablePrefix() };
      return { open: () => createAzureSweepStore(settings), close: () => undefined };
    },
  ],
];

function sweep(id: string, finishedAt: string, trigger: FleetSweepResult['trigger'], atRisk = 2): FleetSweepResult {
  const vms: AtRiskVm[] = Array.from({ length: atRisk }, (_, i) => ({
    vm: { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg-app', name: `vm-${i}` },
    vault: { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg-backup', name: 'rsv-prod-weu' },
    cause: 'windows-agent-not-ready',
    evidence: { en: `VM vm-${i}: the agent is Not Ready — “ąęł” ${'x'.repeat(200)}`, pl: `Maszyna vm-${i}: agent nie jest gotowy ${'y'.repeat(200)}` },
  }));
  return { id, trigger, startedAt: finishedAt, finishedAt, total: atRisk + 3, atRisk: vms, unchecked: [], unreadableVaults: [] };
}

for (const [name, make] of backends) {
  describe(`sweep store: ${name}`, () => {
    let backend: Backend;
    beforeEach(() => {
      backend = make();
    });
    afterEach(() => backend.close());

    it('reads back a saved sweep by id, from another instance, exactly as saved', async () => {
      const saved = sweep('sweep-a-0001', '2026-12-04T04:00:00.000Z', 'schedule');
      await backend.open().save(saved);
      expect(await backend.open().get('sweep-a-0001')).toEqual(saved);
      expect(await backend.open().get('sweep-missing')).toBeUndefined();
    });

    it('keeps a sweep of a large fleet whole (thousands of VMs at risk)', async () => {
      const large = sweep('sweep-large-1', '2026-12-04T04:00:00.000Z', 'schedule', 3000);
      await backend.open().save(large);
      const read = await backend.open().get('sweep-large-1');
      expect(read?.atRisk).toHaveLength(3000);
      expect(read).toEqual(large);
    });

    it('finds the newest sweep, overall and per trigger, whatever order they were saved in', async () => {
      const store = backend.open();
      await store.save(sweep('sweep-sched-2', '2026-12-05T04:00:00.000Z', 'schedule'));
      await store.save(sweep('sweep-cmd-001', '2026-12-05T09:00:00.000Z', 'command'));
      await store.save(sweep('sweep-sched-1', '2026-12-04T04:00:00.000Z', 'schedule'));
      const other = backend.open();
      expect((await other.latest())?.id).toBe('sweep-cmd-001');
      expect((await other.latest('schedule'))?.id).toBe('sweep-sched-2');
      expect((await other.latest('command'))?.id).toBe('sweep-cmd-001');
    });

    it('has no latest sweep before the first one', async () => {
      expect(await backend.open().latest()).toBeUndefined();
      expect(await backend.open().latest('schedule')).toBeUndefined();
    });

    it('purges sweeps past the retention, but keeps the newest of each trigger and any a digest message shows', async () => {
      const store = backend.open();
      for (let day = 1; day <= 9; day += 1) await store.save(sweep(`sweep-sched-d${day}`, `2026-11-0${day}T04:00:00.000Z`, 'schedule'));
      await store.save(sweep('sweep-cmd-old', '2026-11-02T09:00:00.000Z', 'command'));
      await store.save(sweep('sweep-cmd-new', '2026-11-03T09:00:00.000Z', 'command'));
      await store.saveDigestMessage({ conversationKey: '19:general@thread.tacv2', messageId: 'activity-1', sweepId: 'sweep-sched-d2', postedAt: '2026-11-02T04:01:00.000Z' });
      const removed = await backend.open().purgeFinishedBefore(new Date('2026-11-08T00:00:00.000Z'));
      const other = backend.open();
      const present = async (id: string): Promise<boolean> => (await other.get(id)) !== undefined;
      // Gone: schedule d1, d3-d7 and the older command sweep.
      expect(removed).toBe(7);
      expect(await present('sweep-sched-d2')).toBe(true);
      expect(await present('sweep-sched-d8')).toBe(true);
      expect(await present('sweep-sched-d9')).toBe(true);
      expect(await present('sweep-cmd-new')).toBe(true);
      for (const id of ['sweep-sched-d1', 'sweep-sched-d3', 'sweep-sched-d7', 'sweep-cmd-old']) expect(await present(id)).toBe(false);
      expect((await other.latest('schedule'))?.id).toBe('sweep-sched-d9');
      expect((await other.latest('command'))?.id).toBe('sweep-cmd-new');
      // Purged again: nothing more goes.
      expect(await other.purgeFinishedBefore(new Date('2026-11-08T00:00:00.000Z'))).toBe(0);
    });

    it('remembers each conversation’s digest message across instances, replaces it, and forgets it', async () => {
      const store = backend.open();
      expect(await store.digestMessage('slack:T0TEST:C0ONCALL')).toBeUndefined();
      await store.saveDigestMessage({ conversationKey: 'slack:T0TEST:C0ONCALL', messageId: '1700000000.000100', sweepId: 'sweep-a-0001', postedAt: '2026-12-04T04:01:00.000Z' });
      await store.saveDigestMessage({ conversationKey: '19:general@thread.tacv2', messageId: 'activity-1', sweepId: 'sweep-a-0001', postedAt: '2026-12-04T04:01:00.000Z' });
      await store.saveDigestMessage({ conversationKey: 'slack:T0TEST:C0ONCALL', messageId: '1700000000.000100', sweepId: 'sweep-b-0002', postedAt: '2026-12-05T04:01:00.000Z' });
      const other = backend.open();
      expect(await other.digestMessage('slack:T0TEST:C0ONCALL')).toEqual({ conversationKey: 'slack:T0TEST:C0ONCALL', messageId: '1700000000.000100', sweepId: 'sweep-b-0002', postedAt: '2026-12-05T04:01:00.000Z' });
      expect((await other.digestMessage('19:general@thread.tacv2'))?.messageId).toBe('activity-1');
      await other.forgetDigestMessage('slack:T0TEST:C0ONCALL');
      expect(await backend.open().digestMessage('slack:T0TEST:C0ONCALL')).toBeUndefined();
      expect((await backend.open().digestMessage('19:general@thread.tacv2'))?.messageId).toBe('activity-1');
    });
  });
}
