import { odata } from '@azure/data-tables';
import type { SharedWatermarkStore } from '../core/incidents/ports';
import { type StateTable, tableKey } from './table-client';

interface WatermarkEntity {
  readonly vaultKey: string;
  readonly watermark: Date;
  readonly polledAt: Date;
}

const PARTITION = 'vault';

/**
 * Per vault: failed jobs up to this time have become alerts. Advancing is conditional on the
 * watermark the poller read (create-only for the first, If-Match after), so two pollers that
 * overlapped for a moment (a lease handover) never move it back or record a window twice.
 */
export class TablePollerWatermark implements SharedWatermarkStore {
  constructor(private readonly table: StateTable) {}

  async get(vaultKey: string): Promise<Date | undefined> {
    return (await this.table.get<WatermarkEntity>(PARTITION, tableKey(vaultKey)))?.watermark;
  }

  async advance(vaultKey: string, from: Date | undefined, to: Date, polledAt: Date): Promise<boolean> {
    const entity = { partitionKey: PARTITION, rowKey: tableKey(vaultKey), vaultKey, watermark: to, polledAt };
    const current = await this.table.get<WatermarkEntity>(PARTITION, entity.rowKey);
    if (current?.watermark.getTime() !== from?.getTime()) return false;
    const written = current ? await this.table.replace(entity, current.etag) : await this.table.create(entity);
    return written !== undefined;
  }

  async lastPollAt(): Promise<Date | undefined> {
    const rows = await this.table.all<WatermarkEntity>(odata`PartitionKey eq ${PARTITION}`, ['polledAt']);
    const latest = Math.max(...rows.map((r) => r.polledAt.getTime()));
    return Number.isFinite(latest) ? new Date(latest) : undefined;
  }
}
