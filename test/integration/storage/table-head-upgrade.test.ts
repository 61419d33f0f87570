import { odata } from '@azure/data-tables';
import type { AcceptOutcome } from '../../../src/core/incidents/accept-alert';
import { groupingKey, vmFromAlert, type IncidentHeader } from '../../../src/core/incidents/incident';
import { SharedAlertLedger } from '../../../src/core/incidents/shared-alert-ledger';
import { type AzureStateStores, createAzureStateStores } from '../../../src/storage/azure-state-stores';
import { type StateTable, createStateTables, tableKey } from '../../../src/storage/table-client';
import { acceptOnBoth, alertTimeline, at, code, windowMs } from './alert-timeline';
import { uniqueTablePrefix, useAzurite } from './azurite';

/**
 * The previous version of the Azure Tables incident store moved a group's head to whatever
 * incident changed, so an incident opened for a late alert (older than the group's most recent)
 * became the head; an instance not yet upgraded still does during a rolling deploy. Such a head
 * must not be trusted: an alert within the windows of both joins the most recent incident, as on
 * SQLite, and the head is repaired to the group's most recent incident.
 */

const azurite = useAzurite('table');

const { input, clock } = alertTimeline('rsv-upgrade', 260);

const group = groupingKey(input('vm', 0).alert, code);
const partition = tableKey(group);
const headerRowKey = (incidentId: string) => `incident|${tableKey(incidentId)}`;

interface RawHead {
  readonly incidentId: string;
  readonly header: string;
  readonly mostRecent?: boolean;
}

const incidentOf = (outcome: AcceptOutcome | undefined): string | undefined => (outcome?.kind === 'grouped' || outcome?.kind === 'duplicate' ? (outcome.incidentId ?? undefined) : undefined);

function ledgerOn(stores: AzureStateStores, prefix: string): SharedAlertLedger {
  let n = 0;
  return new SharedAlertLedger({ stores, ids: { next: () => `${prefix}-${(n += 1)}` }, windowMs, coalesceMs: 5_000 });
}

/**
 * A group as the previous version leaves it: B (minute 240) is its most recent incident, and an
 * instance of that version opened L for a late alert (minute 150, outside B's window) and made L
 * the head. The head row is written here as that version wrote it: L's header, no marker.
 */
async function groupLeftByPreviousVersion() {
  const settings = { connectionString: azurite()?.connectionString, tablePrefix: uniqueTablePrefix() };
  let queries = 0;
  const stores = createAzureStateStores(settings, { clock, observe: (table, operation) => (queries += table === 'incidents' && operation === 'query' ? 1 : 0) });
  const raw = createStateTables(settings)('incidents');
  const ledger = ledgerOn(stores, 'a');
  const b = incidentOf(await ledger.accept(input('vm-b', 240)))!;
  const l = incidentOf(await ledger.accept(input('vm-l', 150)))!;
  expect(l).not.toBe(b);
  const headAsPreviousVersionWrites = async (incidentId: string) => {
    const row = await raw.get<{ header: string }>(partition, headerRowKey(incidentId));
    await raw.put<RawHead>({ partitionKey: partition, rowKey: 'head', incidentId, header: row!.header });
  };
  await headAsPreviousVersionWrites(l);
  return { settings, stores, raw, ledger, b, l, headAsPreviousVersionWrites, queries: () => queries };
}

async function headOf(raw: StateTable): Promise<RawHead> {
  const head = await raw.get<RawHead>(partition, 'head');
  return { incidentId: head!.incidentId, header: head!.header, mostRecent: head!.mostRecent };
}

async function headerRows(raw: StateTable): Promise<IncidentHeader[]> {
  const rows = await raw.all<{ header: string }>(odata`PartitionKey eq ${partition} and RowKey gt ${'incident|'} and RowKey lt ${'incident}'}`, ['header']);
  return rows.map((r) => JSON.parse(r.header) as IncidentHeader).sort((x, y) => x.id.localeCompare(y.id));
}

/** The head names the group's most recent incident, carries that incident's header as its row has it, and the marker. */
async function expectHeadRepaired(raw: StateTable, newest: string): Promise<void> {
  const head = await headOf(raw);
  const row = await raw.get<{ header: string }>(partition, headerRowKey(newest));
  expect(head).toEqual({ incidentId: newest, header: row!.header, mostRecent: true });
}

test('an alert within the windows of both joins the most recent incident, not an older one the previous version made the head', async () => {
  const { stores, ledger, b } = await groupLeftByPreviousVersion();
  // Minute 195 is within the window of L (150) and of B (240): the most recent, B, as on SQLite.
  expect((await stores.incidents.readGroup(group, 'vm-d', at(195), windowMs)).near?.id).toBe(b);
  expect(incidentOf(await ledger.accept(input('vm-d', 195)))).toBe(b);
  expect(incidentOf(await ledger.accept(input('vm-c', 250)))).toBe(b);
});

test('a head without the marker is repaired to the group\'s most recent incident by the next commit, and trusted from then on', async () => {
  const { stores, raw, ledger, b, l, headAsPreviousVersionWrites, queries } = await groupLeftByPreviousVersion();
  // An alert within L's window only joins L; its commit makes B the head again.
  expect(incidentOf(await ledger.accept(input('vm-x', 160)))).toBe(l);
  await expectHeadRepaired(raw, b);
  const rows = await headerRows(raw);
  expect(rows.map((h) => [h.id, h.vmCount])).toEqual([[b, 1], [l, 2]].sort((x, y) => String(x[0]).localeCompare(String(y[0]))));
  // Repaired, the head is trusted: an alert within its window reads no header rows.
  const before = queries();
  expect((await stores.incidents.readGroup(group, 'vm-c', at(250), windowMs)).near?.id).toBe(b);
  expect(queries()).toBe(before);

  // A rolling deploy: an instance not yet upgraded writes the head again, without the marker.
  await headAsPreviousVersionWrites(l);
  const again = queries();
  expect(incidentOf(await ledger.accept(input('vm-y', 195)))).toBe(b);
  expect(queries()).toBeGreaterThan(again);
  await expectHeadRepaired(raw, b);
});

test('a head the previous version left on the most recent incident gets the marker from the next commit', async () => {
  const { raw, ledger, b, headAsPreviousVersionWrites } = await groupLeftByPreviousVersion();
  await headAsPreviousVersionWrites(b);
  expect(incidentOf(await ledger.accept(input('vm-x', 160)))).not.toBe(b);
  await expectHeadRepaired(raw, b);
});

test('a head is not repaired onto an incident that retention removed after the group was read', async () => {
  const { stores, raw, b, l } = await groupLeftByPreviousVersion();
  const read = await stores.incidents.readGroup(group, 'vm-x', at(160), windowMs);
  expect(read.near?.id).toBe(l);
  const joined = (near: IncidentHeader): IncidentHeader => ({ ...near, lastAlertAt: at(160), revision: near.revision + 1, vmCount: near.vmCount + 1 });
  const vm = vmFromAlert(input('vm-x', 160).alert);
  // Retention on another instance removes B's header row (the head names L, so retention leaves it).
  expect(await raw.delete(partition, headerRowKey(b))).toBe(true);
  expect(await stores.incidents.commit(read, { header: joined(read.near!), vm })).toBe(false);
  // Read again: the most recent incident left is L, and the head says so.
  const again = await stores.incidents.readGroup(group, 'vm-x', at(160), windowMs);
  expect(again.near?.id).toBe(l);
  expect(await stores.incidents.commit(again, { header: joined(again.near!), vm })).toBe(true);
  await expectHeadRepaired(raw, l);
});

test('two instances accepting alerts at once on a group whose head the previous version left on an older incident agree on one incident per alert, the most recent within its window', async () => {
  const { settings, raw, b, l } = await groupLeftByPreviousVersion();
  const one = ledgerOn(createAzureStateStores(settings, { clock }), 'one');
  const two = ledgerOn(createAzureStateStores(settings, { clock }), 'two');
  // Within both windows (B's), within L's only, within B's only.
  const both = ['vm-0', 'vm-1', 'vm-2', 'vm-3', 'vm-4'].map((vm, i) => input(vm, 190 + 2 * i));
  const lateOnly = input('vm-late', 160);
  const liveOnly = input('vm-live', 250);
  const inputs = [both[0]!, lateOnly, both[1]!, both[2]!, liveOnly, both[3]!, both[4]!];
  const [byOne, byTwo] = await acceptOnBoth(one, two, inputs);
  const answers = inputs.map((i, k) => new Set([incidentOf(byOne[k]), incidentOf(byTwo[inputs.length - 1 - k])]));
  expect(answers).toEqual(inputs.map((i) => new Set([i === lateOnly ? l : b])));
  expect((await headerRows(raw)).map((h) => [h.id, h.vmCount])).toEqual([[b, 7], [l, 2]].sort((x, y) => String(x[0]).localeCompare(String(y[0]))));
  await expectHeadRepaired(raw, b);
}, 60_000);
