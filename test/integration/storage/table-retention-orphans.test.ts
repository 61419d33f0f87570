import type { AcceptInput, AcceptOutcome } from '../../../src/core/incidents/accept-alert';
import { groupingKey } from '../../../src/core/incidents/incident';
import { SharedAlertLedger } from '../../../src/core/incidents/shared-alert-ledger';
import { createAzureStateStores } from '../../../src/storage/azure-state-stores';
import { createStateTables, tableKey } from '../../../src/storage/table-client';
import { code, windowMs } from './alert-timeline';
import { uniqueTablePrefix, useAzurite } from './azurite';

/**
 * Retention on Azure Tables collects what an incident leaves when its header goes without the
 * rest: a purge cut off by a crash between the two, or an incident whose opening commit lost its
 * race after its id index was written. Nothing else ever reads those rows, so nothing else would.
 */
const azurite = useAzurite('table');
const incidentOf = (o: AcceptOutcome | undefined) => (o?.kind === 'grouped' ? o.incidentId : undefined);

function alertAt(vault: string, vm: string, at: Date): AcceptInput {
  return { alert: { source: 'minimal', condition: 'fired', vault: { name: vault, subscriptionId: 'sub-1' }, vm: { name: vm }, jobId: `job-${vault}-${vm}`, codeHints: [], occurredAt: at }, code, awaitJob: false, receivedAt: at };
}

describe('retention of what a cut-off purge leaves on Azure Tables', () => {
  it('an incident whose header went but whose VMs, messages and id index stayed is collected, and its alerts with it; a live incident is left alone', async () => {
    const settings = { connectionString: azurite()?.connectionString, tablePrefix: uniqueTablePrefix() };
    const now = new Date();
    const later = new Date(now.getTime() + 24 * 3_600_000);
    const stores = createAzureStateStores(settings, { clock: { now: () => now } });
    let n = 0;
    const ledger = new SharedAlertLedger({ stores, ids: { next: () => `inc-${(n += 1)}` }, windowMs, coalesceMs: 5_000 });
    await stores.subscriptions.add({ id: 'sub-ops', conversationKey: 'msteams:ops', conversationReference: { channelId: 'msteams', serviceUrl: 'https://smba.trafficmanager.net/emea/', conversation: { id: 'ops' } }, scope: { kind: 'all' }, language: 'en', createdAt: now });

    const orphaned = incidentOf(await ledger.accept(alertAt('rsv-gone', 'vm-a', now)));
    expect(incidentOf(await ledger.accept(alertAt('rsv-gone', 'vm-b', now)))).toBe(orphaned);
    // A live incident: its last alert is after the cutoff, though its id index was written before it.
    const live = incidentOf(await ledger.accept(alertAt('rsv-live', 'vm-c', later)));
    expect(orphaned && live).toBeTruthy();

    const tables = createStateTables(settings);
    const incidents = tables('incidents');
    const partition = tableKey(groupingKey(alertAt('rsv-gone', 'vm-a', now).alert, code));
    // A purge that got as far as the head and the header, then the process died.
    await incidents.delete(partition, 'head');
    expect(await incidents.delete(partition, `incident|${tableKey(orphaned ?? '')}`)).toBe(true);
    // The id index of an incident whose opening commit lost its race.
    await incidents.put({ partitionKey: `id|${tableKey('inc-lost')}`, rowKey: 'group', groupKey: groupingKey(alertAt('rsv-lost', 'vm-d', now).alert, code) });
    const rowsOf = async (id: string) => [
      ...(await incidents.all<object>(`PartitionKey eq '${partition}' and RowKey ge 'vm|${tableKey(id)}|' and RowKey lt 'vm|${tableKey(id)}|~'`)),
      ...(await incidents.all<object>(`PartitionKey eq 'id|${tableKey(id)}'`)),
      ...(await tables('outbox').all<object>(`PartitionKey eq '${tableKey(id)}'`)),
    ];
    expect((await rowsOf(orphaned ?? '')).length).toBeGreaterThanOrEqual(4);
    expect(await stores.inbox.listByStatus('grouped', 100)).toHaveLength(3);

    const cutoff = new Date(Date.now() + 60_000);
    expect(await stores.history.purgeExpiredBefore(cutoff)).toBeGreaterThanOrEqual(5);
    expect(await rowsOf(orphaned ?? '')).toEqual([]);
    expect(await rowsOf('inc-lost')).toEqual([]);
    // The two alerts of the collected incident went too; the live incident keeps its alert, its VM and its card.
    expect((await stores.inbox.listByStatus('grouped', 100)).map((e) => e.alert.vm.name)).toEqual(['vm-c']);
    expect((await stores.incidents.get(live ?? ''))?.vms.map((v) => v.name)).toEqual(['vm-c']);
    expect(await stores.outbox.find(live ?? '', 'msteams:ops')).toBeDefined();
  });
});
