import { odata } from '@azure/data-tables';
import type { IncidentHeader } from '../core/incidents/incident';
import type { InboxStatus, OutboxEntry } from '../core/incidents/ports';
import { type StateTable, tableKey } from './table-client';

interface HeaderRow {
  readonly header: string;
}
interface HeadRow {
  readonly incidentId: string;
}
interface IndexRow {
  readonly groupKey: string;
}
interface OutboxRow {
  readonly entry: string;
}
interface InboxRow {
  readonly entry: string;
  readonly status: InboxStatus;
}

/** A listed entity's keys: the service always returns them, though the SDK's type leaves them optional. */
function keysOf(row: { readonly partitionKey?: string; readonly rowKey?: string }): { partitionKey: string; rowKey: string } {
  return { partitionKey: row.partitionKey ?? '', rowKey: row.rowKey ?? '' };
}

/** The tables the alert path writes, as TableIncidentStore, TableOutbox and TableAlertInbox lay them out. */
export interface AlertHistoryTables {
  readonly incidents: StateTable;
  readonly outbox: StateTable;
  readonly inbox: StateTable;
}

/**
 * Retention of the alert path's records on Azure Tables, as SqliteAlertHistory does for the
 * SQLite file: Table Storage has no lifecycle rules, so without it the tables grow with every
 * alert ever sent.
 *
 * Only history goes: an incident whose last alert is older than the cutoff and none of whose
 * messages is still pending, with its VMs, its id index and its delivered or failed messages;
 * and received alerts older than the cutoff that are not waiting for their job and whose
 * incident went too; and what an incident whose header went left behind (a purge cut off by a
 * crash, an opening commit that lost its race). Every instance may run it at once: a delete that finds the record changed
 * or gone does nothing, and the group's head is removed only at the version that was read, so an
 * alert grouped meanwhile keeps its incident.
 */
export class TableAlertHistory {
  constructor(private readonly tables: AlertHistoryTables) {}

  /** Removes history older than `cutoff`; returns how many records went. Same shape as the sessions' purge. */
  async purgeExpiredBefore(cutoff: Date): Promise<number> {
    let removed = 0;
    const stale = await this.tables.incidents.all<HeaderRow>(odata`RowKey gt ${'incident|'} and RowKey lt ${'incident}'} and lastAlertAt lt ${cutoff}`, ['PartitionKey', 'RowKey', 'header']);
    for (const row of stale) removed += await this.purgeIncident(keysOf(row).partitionKey, JSON.parse(row.header) as Pick<IncidentHeader, 'id'>, row.etag);
    removed += await this.purgeOrphans(cutoff);
    removed += await this.purgeInbox(cutoff);
    return removed;
  }

  private async purgeIncident(partition: string, header: Pick<IncidentHeader, 'id'>, etag: string): Promise<number> {
    const messages = await this.tables.outbox.all<OutboxRow>(odata`PartitionKey eq ${tableKey(header.id)}`, ['PartitionKey', 'RowKey', 'entry']);
    // A message still to be sent keeps its incident (and so its alerts) whatever its age.
    if (messages.some((m) => (JSON.parse(m.entry) as Pick<OutboxEntry, 'status'>).status === 'pending')) return 0;
    // The head first: if it names this incident and moved on since read, the group changed; leave the incident to the next run.
    const head = await this.tables.incidents.get<HeadRow>(partition, 'head');
    if (head?.incidentId === header.id && !(await this.tables.incidents.delete(partition, 'head', head.etag))) return 0;
    // Then the header at the ETag the query saw: an incident an alert joined meanwhile stays (with its VMs).
    if (!(await this.tables.incidents.delete(partition, `incident|${tableKey(header.id)}`, etag))) return 0;
    let removed = 1;
    for (const m of messages) if (await this.tables.outbox.delete(keysOf(m).partitionKey, keysOf(m).rowKey, m.etag)) removed += 1;
    const vmPrefix = `vm|${tableKey(header.id)}|`;
    const vms = await this.tables.incidents.all<object>(odata`PartitionKey eq ${partition} and RowKey gt ${vmPrefix} and RowKey lt ${`${vmPrefix}~`}`, ['PartitionKey', 'RowKey']);
    for (const vm of vms) if (await this.tables.incidents.delete(partition, keysOf(vm).rowKey)) removed += 1;
    await this.tables.incidents.delete(`id|${tableKey(header.id)}`, 'group');
    return removed;
  }

  /**
   * What an incident whose header is gone left behind: a purge cut off between the header and the
   * rest (a crash), or an incident whose opening commit lost its race after its id index was
   * written. Its messages and VMs go, then its id index, last, so a purge cut off again finds it
   * again (and its alerts then go with the inbox). Only id index rows written before the cutoff:
   * a young one may belong to an incident whose first commit is under way.
   */
  private async purgeOrphans(cutoff: Date): Promise<number> {
    let removed = 0;
    const indexRows = await this.tables.incidents.all<IndexRow>(odata`RowKey eq ${'group'} and Timestamp lt ${cutoff}`, ['PartitionKey', 'RowKey', 'groupKey']);
    for (const row of indexRows) {
      const { partitionKey } = keysOf(row);
      // The index partition is "id|" and the id as every other row of the incident spells it.
      const id = partitionKey.slice('id|'.length);
      const partition = tableKey(row.groupKey);
      if (await this.tables.incidents.get<object>(partition, `incident|${id}`)) continue;
      for (const m of await this.tables.outbox.all<object>(odata`PartitionKey eq ${id}`, ['PartitionKey', 'RowKey'])) if (await this.tables.outbox.delete(id, keysOf(m).rowKey)) removed += 1;
      const vmPrefix = `vm|${id}|`;
      for (const vm of await this.tables.incidents.all<object>(odata`PartitionKey eq ${partition} and RowKey gt ${vmPrefix} and RowKey lt ${`${vmPrefix}~`}`, ['PartitionKey', 'RowKey'])) {
        if (await this.tables.incidents.delete(partition, keysOf(vm).rowKey)) removed += 1;
      }
      if (await this.tables.incidents.delete(partitionKey, 'group', row.etag)) removed += 1;
    }
    return removed;
  }

  private async purgeInbox(cutoff: Date): Promise<number> {
    let removed = 0;
    const old = await this.tables.inbox.all<InboxRow>(odata`receivedAt lt ${cutoff} and status ne ${'needs-job'}`, ['PartitionKey', 'RowKey', 'entry', 'status']);
    for (const row of old) {
      const { incidentId } = JSON.parse(row.entry) as { incidentId: string | null };
      // An alert stays while its incident does: its record, and the job id that keeps a re-sent alert a duplicate.
      if (incidentId !== null && (await this.tables.incidents.get<object>(`id|${tableKey(incidentId)}`, 'group'))) continue;
      if (await this.tables.inbox.delete(keysOf(row).partitionKey, keysOf(row).rowKey, row.etag)) removed += 1;
    }
    return removed;
  }
}
