import { odata } from '@azure/data-tables';
import type { BackupAlert } from '../core/incidents/backup-alert';
import type { InboxEntry, InboxStatus, SharedAlertInbox } from '../core/incidents/ports';
import { type StateTable, sha256 } from './table-client';

interface InboxEntity {
  readonly entry: string;
  readonly status: InboxStatus;
  readonly receivedAt: Date;
}

type StoredEntry = Omit<InboxEntry, 'alert' | 'receivedAt'> & { alert: Omit<BackupAlert, 'occurredAt'> & { occurredAt: string }; receivedAt: string };

function entryOf(json: string): InboxEntry {
  const e = JSON.parse(json) as StoredEntry;
  return { ...e, alert: { ...e.alert, occurredAt: new Date(e.alert.occurredAt) }, receivedAt: new Date(e.receivedAt) };
}

/**
 * The alert inbox on Azure Table Storage: one entity per dedupe key (a job id, mostly), keyed
 * by its hash, in 256 partitions by the hash's first byte. Inserting is create-only, so the
 * webhook and the poller on any instances meet on one entry; status moves are conditional on
 * the ETag and on the status the mover read.
 */
export class TableAlertInbox implements SharedAlertInbox {
  constructor(private readonly table: StateTable) {}

  private keys(dedupeKey: string): { partitionKey: string; rowKey: string } {
    const rowKey = sha256(dedupeKey);
    return { partitionKey: rowKey.slice(0, 2), rowKey };
  }

  private entity(entry: InboxEntry) {
    return { ...this.keys(entry.dedupeKey), entry: JSON.stringify(entry), status: entry.status, receivedAt: entry.receivedAt };
  }

  async insert(entry: InboxEntry): Promise<{ inserted: boolean; entry: InboxEntry }> {
    if ((await this.table.create<InboxEntity>(this.entity(entry))) !== undefined) return { inserted: true, entry };
    return { inserted: false, entry: (await this.find(entry.dedupeKey)) ?? entry };
  }

  async find(dedupeKey: string): Promise<InboxEntry | undefined> {
    const { partitionKey, rowKey } = this.keys(dedupeKey);
    const stored = await this.table.get<InboxEntity>(partitionKey, rowKey);
    return stored ? entryOf(stored.entry) : undefined;
  }

  /** A filtered scan: few entries wait in a status other than grouped or ignored. */
  async listByStatus(status: InboxStatus, limit: number): Promise<InboxEntry[]> {
    const rows = await this.table.all<InboxEntity>(odata`status eq ${status}`, ['entry']);
    return rows
      .map((r) => entryOf(r.entry))
      .sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime())
      .slice(0, limit);
  }

  async update(dedupeKey: string, from: InboxStatus, changes: { status: InboxStatus; code: string | null; incidentId: string | null }): Promise<boolean> {
    const { partitionKey, rowKey } = this.keys(dedupeKey);
    return this.table.modify<InboxEntity, boolean>(partitionKey, rowKey, (current) => {
      if (!current || current.status !== from) return { result: false };
      return { write: this.entity({ ...entryOf(current.entry), ...changes }), result: true };
    });
  }
}
