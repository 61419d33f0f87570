import { odata, type TransactionAction } from '@azure/data-tables';
import { type Incident, type IncidentHeader, type IncidentVm, windowAround, withinWindow } from '../core/incidents/incident';
import type { IncidentChange, IncidentGroupRead, SharedIncidentStore } from '../core/incidents/ports';
import { type StateTable, tableKey } from './table-client';

type Json<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | undefined ? string | undefined : T[K] };

const headerOf = (json: string): IncidentHeader => {
  const h = JSON.parse(json) as Json<IncidentHeader>;
  return { ...h, openedAt: new Date(h.openedAt), lastAlertAt: new Date(h.lastAlertAt) };
};
const vmOf = (json: string): IncidentVm => {
  const v = JSON.parse(json) as Json<IncidentVm>;
  return { ...v, firstSeenAt: new Date(v.firstSeenAt), lastSeenAt: new Date(v.lastSeenAt) };
};

/** The group's most recent incident (by last alert): every commit rewrites it, so its ETag is the group's version. */
interface HeadEntity {
  readonly incidentId: string;
  readonly header: string;
}
interface HeaderEntity {
  readonly header: string;
  readonly lastAlertAt: Date;
  /** Some VM still fails (listOpen filters on it). */
  readonly active: boolean;
}
interface VmEntity {
  readonly vm: string;
}
interface IndexEntity {
  readonly groupKey: string;
}

/** What a commit must still find, carried in `IncidentGroupRead.version`. */
interface GroupVersion {
  /** The head as read: its ETag, and what it holds so that a commit can write it back unchanged. Null: the group has none. */
  readonly head: { readonly etag: string; readonly incidentId: string; readonly header: string } | null;
  /** The ETag of the found incident's header row when it is not the head's (a late alert's older incident). */
  readonly nearEtag: string | null;
}
const versionOf = (version: GroupVersion): string => JSON.stringify(version);

const HEAD = 'head';
const headerRow = (incidentId: string) => `incident|${tableKey(incidentId)}`;
const vmPrefix = (incidentId: string) => `vm|${tableKey(incidentId)}|`;
/** Where an incident id says which group (partition) holds it. */
const indexPartition = (incidentId: string) => `id|${tableKey(incidentId)}`;

/**
 * Incidents on Azure Table Storage. One partition per group (vault + code) holds the group's
 * head (a copy of its most recent incident), its incidents and their VMs, so accepting an alert
 * writes head, header and VM in one entity group transaction, conditional on the head's ETag:
 * of two instances grouping alerts of the same vault and code at once, one commits and the other
 * reads again and joins that incident. An alert older than the head's window (a storm that
 * arrives late) finds its incident among the partition's header rows by their last alert, and
 * changing that older incident leaves the head where it is. An id index (written before the
 * incident exists, harmless if its commit loses) turns an incident id into its partition.
 */
export class TableIncidentStore implements SharedIncidentStore {
  constructor(private readonly table: StateTable) {}

  async readGroup(groupKey: string, vmKey: string, at: Date, windowMs: number): Promise<IncidentGroupRead> {
    const partition = tableKey(groupKey);
    const head = await this.table.get<HeadEntity>(partition, HEAD);
    if (!head) return { groupKey, near: undefined, vm: undefined, version: versionOf({ head: null, nearEtag: null }) };
    const latest = headerOf(head.header);
    // Read after the head: if anything changed since, the head's ETag changed too and the commit fails.
    // The head is the most recent incident, so when it is within the window none other is nearer.
    const near = withinWindow(latest.lastAlertAt, at, windowMs) ? { header: latest, etag: null } : await this.findActiveBetween(partition, windowAround(at, windowMs));
    const vm = near ? await this.table.get<VmEntity>(partition, `${vmPrefix(near.header.id)}${tableKey(vmKey)}`) : undefined;
    return {
      groupKey,
      near: near?.header,
      vm: vm ? vmOf(vm.vm) : undefined,
      version: versionOf({ head: { etag: head.etag, incidentId: head.incidentId, header: head.header }, nearEtag: near?.etag ?? null }),
    };
  }

  /**
   * The group's most recent incident whose last alert is within [from, to], with its header row's
   * ETag: a filter on the partition's header rows (few: a group's incidents within two windows of one time).
   */
  private async findActiveBetween(partition: string, { from, to }: { from: Date; to: Date }): Promise<{ header: IncidentHeader; etag: string } | undefined> {
    const rows = await this.table.all<HeaderEntity>(odata`PartitionKey eq ${partition} and RowKey gt ${'incident|'} and RowKey lt ${'incident}'} and lastAlertAt ge ${from} and lastAlertAt le ${to}`, ['header']);
    let found: { header: IncidentHeader; etag: string } | undefined;
    for (const row of rows) {
      const header = headerOf(row.header);
      if (!found || header.lastAlertAt > found.header.lastAlertAt) found = { header, etag: row.etag };
    }
    return found;
  }

  /**
   * Every commit is conditional on the head's ETag and rewrites the head, unchanged when the
   * incident changed is older than the head's: so the head stays the group's most recent incident,
   * and a commit decided on a group that changed meanwhile (an incident opened, or one moved into
   * this alert's window) fails and is decided again. An older incident's header row is also
   * written only at the ETag read, so one that retention removed meanwhile is not written back.
   */
  async commit(read: IncidentGroupRead, change: IncidentChange): Promise<boolean> {
    const { head, nearEtag } = JSON.parse(read.version) as GroupVersion;
    const partition = tableKey(read.groupKey);
    const { header, vm } = change;
    const opened = header.id !== read.near?.id;
    if (opened) await this.table.put<IndexEntity>({ partitionKey: indexPartition(header.id), rowKey: 'group', groupKey: read.groupKey });
    const headerJson = JSON.stringify(header);
    // An incident opened for an old alert (nothing within its window) is older than the head too, and leaves it.
    const leads = !head || head.incidentId === header.id || header.lastAlertAt.getTime() > headerOf(head.header).lastAlertAt.getTime();
    const nextHead = leads ? { partitionKey: partition, rowKey: HEAD, incidentId: header.id, header: headerJson } : { partitionKey: partition, rowKey: HEAD, incidentId: head.incidentId, header: head.header };
    const row = { partitionKey: partition, rowKey: headerRow(header.id), header: headerJson, lastAlertAt: header.lastAlertAt, active: header.recoveredCount < header.vmCount };
    const actions: TransactionAction[] = [
      head ? ['update', nextHead, 'Replace', { etag: head.etag }] : ['create', nextHead],
      !opened && nearEtag ? ['update', row, 'Replace', { etag: nearEtag }] : ['upsert', row, 'Replace'],
    ];
    if (vm) actions.push(['upsert', { partitionKey: partition, rowKey: `${vmPrefix(header.id)}${tableKey(vm.key)}`, vm: JSON.stringify(vm) }, 'Replace']);
    return this.table.transact(actions);
  }

  async get(incidentId: string): Promise<Incident | undefined> {
    const index = await this.table.get<IndexEntity>(indexPartition(incidentId), 'group');
    if (!index) return undefined;
    const partition = tableKey(index.groupKey);
    const stored = await this.table.get<HeaderEntity>(partition, headerRow(incidentId));
    if (!stored) return undefined;
    const prefix = vmPrefix(incidentId);
    const vms = (await this.table.all<VmEntity>(odata`PartitionKey eq ${partition} and RowKey gt ${prefix} and RowKey lt ${`${prefix}~`}`)).map((e) => vmOf(e.vm));
    vms.sort((a, b) => a.firstSeenAt.getTime() - b.firstSeenAt.getTime() || a.key.localeCompare(b.key));
    return { ...headerOf(stored.header), vms };
  }

  /** A filtered scan of the headers (the table holds incidents, not the alerts behind them). */
  async listOpen(since: Date): Promise<IncidentHeader[]> {
    const rows = await this.table.all<HeaderEntity>(odata`RowKey gt ${'incident|'} and RowKey lt ${'incident}'} and active eq true and lastAlertAt ge ${since}`, ['header']);
    return rows.map((r) => headerOf(r.header)).sort((a, b) => b.lastAlertAt.getTime() - a.lastAlertAt.getTime());
  }
}
