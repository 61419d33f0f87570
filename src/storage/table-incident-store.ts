import { odata, type TransactionAction } from '@azure/data-tables';
import type { Incident, IncidentHeader, IncidentVm } from '../core/incidents/incident';
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

/** The group's current incident: every commit rewrites it, so its ETag is the group's version. */
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

const HEAD = 'head';
const headerRow = (incidentId: string) => `incident|${tableKey(incidentId)}`;
const vmPrefix = (incidentId: string) => `vm|${tableKey(incidentId)}|`;
/** Where an incident id says which group (partition) holds it. */
const indexPartition = (incidentId: string) => `id|${tableKey(incidentId)}`;

/**
 * Incidents on Azure Table Storage. One partition per group (vault + code) holds the group's
 * head, its incidents and their VMs, so accepting an alert writes head, header and VM in one
 * entity group transaction, conditional on the head's ETag: of two instances grouping alerts
 * of the same vault and code at once, one commits and the other reads again and joins that
 * incident. An id index (written before the incident exists, harmless if its commit loses)
 * turns an incident id into its partition.
 */
export class TableIncidentStore implements SharedIncidentStore {
  constructor(private readonly table: StateTable) {}

  /** The head's incident, whatever the alert's time (an alert outside its window opens one). */
  async readGroup(groupKey: string, vmKey: string): Promise<IncidentGroupRead> {
    const partition = tableKey(groupKey);
    const head = await this.table.get<HeadEntity>(partition, HEAD);
    if (!head) return { groupKey, near: undefined, vm: undefined, version: '' };
    const vm = await this.table.get<VmEntity>(partition, `${vmPrefix(head.incidentId)}${tableKey(vmKey)}`);
    // Read after the head: if anything changed since, the head's ETag changed too and the commit fails.
    return { groupKey, near: headerOf(head.header), vm: vm ? vmOf(vm.vm) : undefined, version: head.etag };
  }

  async commit(read: IncidentGroupRead, change: IncidentChange): Promise<boolean> {
    const partition = tableKey(read.groupKey);
    const { header, vm } = change;
    if (header.id !== read.near?.id) await this.table.put<IndexEntity>({ partitionKey: indexPartition(header.id), rowKey: 'group', groupKey: read.groupKey });
    const headerJson = JSON.stringify(header);
    const head = { partitionKey: partition, rowKey: HEAD, incidentId: header.id, header: headerJson };
    const actions: TransactionAction[] = [
      read.version === '' ? ['create', head] : ['update', head, 'Replace', { etag: read.version }],
      ['upsert', { partitionKey: partition, rowKey: headerRow(header.id), header: headerJson, lastAlertAt: header.lastAlertAt, active: header.recoveredCount < header.vmCount }, 'Replace'],
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
