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
  /**
   * True on a head this version wrote, which it keeps the group's most recent incident. The
   * previous version moved the head to whatever incident changed, a late alert's older one too,
   * and still does on an instance not yet upgraded (its writes replace the row, dropping this):
   * a head without it is not trusted, and the next commit repairs it.
   */
  readonly mostRecent?: boolean;
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
  /** The head's ETag. Null: the group has none. */
  readonly headEtag: string | null;
  /**
   * The group's most recent incident as read (the head's copy, or when the head was not trusted
   * the most recent header row, with that row's ETag): what the commit writes as the head unless
   * the change is more recent.
   */
  readonly latest: { readonly incidentId: string; readonly header: string; readonly etag: string | null } | null;
  /** The ETag of the found incident's header row when it was read from that row (a late alert's older incident, or any on an untrusted head). */
  readonly nearEtag: string | null;
}
const versionOf = (version: GroupVersion): string => JSON.stringify(version);

/** An incident found among the header rows, with the row's ETag (null: found as the head's copy). */
interface Found {
  readonly header: IncidentHeader;
  readonly etag: string | null;
}
interface FoundRow extends Found {
  readonly json: string;
  readonly etag: string;
}
/** The incident with the latest last alert (the first of equals, in row order). */
const mostRecentOf = <T extends Found>(rows: readonly T[]): T | undefined => rows.reduce<T | undefined>((found, row) => (!found || row.header.lastAlertAt > found.header.lastAlertAt ? row : found), undefined);

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
 * changing that older incident leaves the head where it is. A head written before that rule (or
 * by an instance not yet upgraded) carries no marker and is not trusted: the alert's incident is
 * found among the header rows, and the commit makes the group's most recent incident the head.
 * An id index (written before the incident exists, harmless if its commit loses) turns an
 * incident id into its partition.
 */
export class TableIncidentStore implements SharedIncidentStore {
  constructor(private readonly table: StateTable) {}

  async readGroup(groupKey: string, vmKey: string, at: Date, windowMs: number): Promise<IncidentGroupRead> {
    const partition = tableKey(groupKey);
    const head = await this.table.get<HeadEntity>(partition, HEAD);
    // Read after the head: if anything changed since, the head's ETag changed too and the commit fails.
    // No head: a new group, or one whose head retention removed while other incidents remain: trust nothing.
    const { latest, near } = head?.mostRecent === true ? await this.fromHead(partition, head, at, windowMs) : await this.fromHeaderRows(partition, at, windowMs);
    const vm = near ? await this.table.get<VmEntity>(partition, `${vmPrefix(near.header.id)}${tableKey(vmKey)}`) : undefined;
    return {
      groupKey,
      near: near?.header,
      vm: vm ? vmOf(vm.vm) : undefined,
      version: versionOf({ headEtag: head?.etag ?? null, latest, nearEtag: near?.etag ?? null }),
    };
  }

  /**
   * A trusted head is the most recent incident, so when it is within the window none other is
   * nearer; otherwise the most recent incident within the window is found by the header rows'
   * last alert (few: a group's incidents within two windows of one time).
   */
  private async fromHead(partition: string, head: HeadEntity, at: Date, windowMs: number): Promise<{ latest: GroupVersion['latest']; near: Found | undefined }> {
    const header = headerOf(head.header);
    const { from, to } = windowAround(at, windowMs);
    // The head is the most recent incident: an alert past its window (a new storm) has nothing older to look for.
    const near = withinWindow(header.lastAlertAt, at, windowMs)
      ? { header, etag: null }
      : header.lastAlertAt.getTime() < from.getTime()
        ? undefined
        : mostRecentOf(await this.headerRows(odata`PartitionKey eq ${partition} and RowKey gt ${'incident|'} and RowKey lt ${'incident}'} and lastAlertAt ge ${from} and lastAlertAt le ${to}`));
    return { latest: { incidentId: head.incidentId, header: head.header, etag: null }, near };
  }

  /**
   * A head without the marker may name an older incident than the group's most recent: every
   * header row of the partition is read (one query), for the most recent incident within the
   * window and the most recent of all, which the commit makes the head, with the marker. After
   * an upgrade this happens once per group; while an instance not yet upgraded writes heads,
   * once per alert of the groups it writes.
   */
  private async fromHeaderRows(partition: string, at: Date, windowMs: number): Promise<{ latest: GroupVersion['latest']; near: Found | undefined }> {
    const rows = await this.headerRows(odata`PartitionKey eq ${partition} and RowKey gt ${'incident|'} and RowKey lt ${'incident}'}`);
    const newest = mostRecentOf(rows);
    const near = mostRecentOf(rows.filter((row) => withinWindow(row.header.lastAlertAt, at, windowMs)));
    return { latest: newest ? { incidentId: newest.header.id, header: newest.json, etag: newest.etag } : null, near };
  }

  private async headerRows(filter: string): Promise<FoundRow[]> {
    return (await this.table.all<HeaderEntity>(filter, ['header'])).map((row) => ({ header: headerOf(row.header), json: row.header, etag: row.etag }));
  }

  /**
   * Every commit is conditional on the head's ETag and rewrites the head, with the marker, as the
   * group's most recent incident read unless the incident changed is more recent: so the head
   * stays (or, read without the marker, becomes) the group's most recent incident, and a commit
   * decided on a group that changed meanwhile (an incident opened, or one moved into this alert's
   * window) fails and is decided again. An incident's header row read from that row is also
   * written only at the ETag read, so one that retention removed meanwhile is not written back.
   */
  async commit(read: IncidentGroupRead, change: IncidentChange): Promise<boolean> {
    const { headEtag, latest, nearEtag } = JSON.parse(read.version) as GroupVersion;
    const partition = tableKey(read.groupKey);
    const { header, vm } = change;
    const opened = header.id !== read.near?.id;
    if (opened) await this.table.put<IndexEntity>({ partitionKey: indexPartition(header.id), rowKey: 'group', groupKey: read.groupKey });
    const headerJson = JSON.stringify(header);
    // An incident opened for an old alert (nothing within its window) is older than the most recent too, and leaves the head to it.
    const leads = !latest || latest.incidentId === header.id || header.lastAlertAt.getTime() > headerOf(latest.header).lastAlertAt.getTime();
    const nextHead = { partitionKey: partition, rowKey: HEAD, ...(leads ? { incidentId: header.id, header: headerJson } : { incidentId: latest.incidentId, header: latest.header }), mostRecent: true };
    const row = { partitionKey: partition, rowKey: headerRow(header.id), header: headerJson, lastAlertAt: header.lastAlertAt, active: header.recoveredCount < header.vmCount };
    const actions: TransactionAction[] = [
      headEtag ? ['update', nextHead, 'Replace', { etag: headEtag }] : ['create', nextHead],
      !opened && nearEtag ? ['update', row, 'Replace', { etag: nearEtag }] : ['upsert', row, 'Replace'],
    ];
    if (vm) actions.push(['upsert', { partitionKey: partition, rowKey: `${vmPrefix(header.id)}${tableKey(vm.key)}`, vm: JSON.stringify(vm) }, 'Replace']);
    // A head repaired to an incident this commit does not write names it only if its row is still as read (retention may have removed it since).
    if (!leads && latest.etag) actions.push(['update', { partitionKey: partition, rowKey: headerRow(latest.incidentId) }, 'Merge', { etag: latest.etag }]);
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
