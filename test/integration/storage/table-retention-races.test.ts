import type { AcceptOutcome } from '../../../src/core/incidents/accept-alert';
import { groupingKey, vmFromAlert } from '../../../src/core/incidents/incident';
import type { SharedStateStores } from '../../../src/core/incidents/ports';
import { SharedAlertLedger } from '../../../src/core/incidents/shared-alert-ledger';
import { createAzureStateStores } from '../../../src/storage/azure-state-stores';
import { openSqliteDatabase } from '../../../src/storage/sqlite-database';
import { SqliteAlertHistory } from '../../../src/storage/sqlite-alert-history';
import { sqliteSharedStores } from '../../../src/storage/sqlite-shared-stores';
import { createStateTables, tableKey } from '../../../src/storage/table-client';
import { alertTimeline, at, code, windowMs } from './alert-timeline';
import { uniqueTablePrefix, useAzurite } from './azurite';

/**
 * Retention on Azure Tables while alerts are grouped: whatever it removes, the group keeps one
 * incident per window (as on SQLite) and its head never names an incident that is gone.
 */
const azurite = useAzurite('table');
const { input, clock } = alertTimeline('rsv-retention', 260);
const group = groupingKey(input('vm', 0).alert, code);
const partition = tableKey(group);
const incidentOf = (o: AcceptOutcome | undefined) => (o?.kind === 'grouped' || o?.kind === 'duplicate' ? (o.incidentId ?? undefined) : undefined);
function ledgerOn(stores: Pick<SharedStateStores, 'inbox' | 'incidents' | 'outbox' | 'subscriptions'>): SharedAlertLedger {
  let n = 0;
  return new SharedAlertLedger({ stores, ids: { next: () => `inc-${(n += 1)}` }, windowMs, coalesceMs: 5_000 });
}
const tables = () => ({ connectionString: azurite()?.connectionString, tablePrefix: uniqueTablePrefix() });

describe('retention and grouping on Azure Tables', () => {
  it('a group whose head retention removed still joins an alert to its live incident, as SQLite does', async () => {
    const settings = tables();
    const stores = createAzureStateStores(settings, { clock });
    const raw = createStateTables(settings)('incidents');
    const ledger = ledgerOn(stores);
    const recent = incidentOf(await ledger.accept(input('vm-b', 240)));
    const older = incidentOf(await ledger.accept(input('vm-l', 150)));
    // The head as the previous version left it: on the older incident, without the marker.
    const olderRow = await raw.get<{ header: string }>(partition, `incident|${tableKey(older ?? '')}`);
    await raw.put({ partitionKey: partition, rowKey: 'head', incidentId: older, header: olderRow?.header });
    // Retention removes the older incident, and with it the head that names it.
    await stores.history.purgeExpiredBefore(at(200));
    expect(await raw.get(partition, 'head')).toBeUndefined();

    expect(incidentOf(await ledger.accept(input('vm-d', 230)))).toBe(recent);
    expect(incidentOf(await ledger.accept(input('vm-e', 236)))).toBe(recent);
    expect(await raw.get(partition, 'head')).toMatchObject({ incidentId: recent, mostRecent: true });

    // The same alerts and retention on SQLite give the same answer.
    const db = openSqliteDatabase(':memory:');
    const sqlite = ledgerOn(sqliteSharedStores(db, clock));
    const sqliteRecent = incidentOf(await sqlite.accept(input('vm-b', 240)));
    await sqlite.accept(input('vm-l', 150));
    await new SqliteAlertHistory(db).purgeExpiredBefore(at(200));
    expect(incidentOf(await sqlite.accept(input('vm-d', 230)))).toBe(sqliteRecent);
    db.close();
  });

  it('an incident the group changed while retention was removing it keeps its head: the purge leaves it to its next run', async () => {
    const settings = tables();
    const stores = createAzureStateStores(settings, { clock });
    const other = createAzureStateStores(settings, { clock });
    const raw = createStateTables(settings)('incidents');
    const header = (id: string, minutes: number) => ({ id, groupKey: group, vault: input('x', 0).alert.vault, code, openedAt: at(minutes), lastAlertAt: at(minutes), revision: 1, vmCount: 1, recoveredCount: 0 });
    const { incidents } = stores;
    expect(await incidents.commit(await incidents.readGroup(group, 'vm-b', at(240), windowMs), { header: header('inc-b', 240), vm: vmFromAlert(input('vm-b', 240).alert) })).toBe(true);

    // Just before retention deletes the head (at the ETag it read), another instance commits an older incident, which rewrites the head.
    const retentionTable = (stores.history as unknown as { tables: { incidents: typeof raw } }).tables.incidents;
    const realDelete = retentionTable.delete.bind(retentionTable);
    let raced = false;
    retentionTable.delete = async (pk: string, rk: string, etag?: string) => {
      if (rk === 'head' && !raced) {
        raced = true;
        const read = await other.incidents.readGroup(group, 'vm-l', at(100), windowMs);
        expect(await other.incidents.commit(read, { header: header('inc-l', 100), vm: vmFromAlert(input('vm-l', 100).alert) })).toBe(true);
      }
      return realDelete(pk, rk, etag);
    };
    await stores.history.purgeExpiredBefore(at(245));
    retentionTable.delete = realDelete;
    expect(raced).toBe(true);

    const head = await raw.get<{ incidentId: string }>(partition, 'head');
    expect(head?.incidentId).toBe('inc-b');
    expect(await incidents.get('inc-b')).toMatchObject({ id: 'inc-b', vms: [expect.objectContaining({ name: 'vm-b' })] });
    // The next run removes it, head and all.
    await stores.history.purgeExpiredBefore(at(245));
    expect(await raw.get(partition, 'head')).toBeUndefined();
    expect(await incidents.get('inc-b')).toBeUndefined();
  });
});
