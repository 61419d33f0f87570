import { odata } from '@azure/data-tables';
import type { SharedSeenEvents } from '../core/incidents/ports';
import type { Clock } from '../core/ports';
import { type StateTable, sha256, tableKey } from './table-client';

interface SeenEntity {
  readonly eventId: string;
  readonly seenAt: Date;
}

/**
 * Slack event ids on Azure Table Storage: the first delivery creates the entity (create-only),
 * so however many instances a retried event reaches, one answers it. Entities older than
 * `keepMs` are deleted now and then by whichever instance is claiming.
 */
export class TableSeenEvents implements SharedSeenEvents {
  private claims = 0;

  constructor(
    private readonly table: StateTable,
    private readonly clock: Clock,
    /** Slack retries for about an hour at most; a day is ample. */
    private readonly keepMs = 24 * 3_600_000,
  ) {}

  async firstDelivery(eventId: string): Promise<boolean> {
    const now = this.clock.now();
    this.claims += 1;
    if (this.claims % 500 === 0) void this.purgeBefore(new Date(now.getTime() - this.keepMs)).catch(() => undefined);
    const rowKey = tableKey(eventId);
    return (await this.table.create<SeenEntity>({ partitionKey: sha256(eventId).slice(0, 2), rowKey, eventId, seenAt: now })) !== undefined;
  }

  /** Deletes ids seen before `cutoff`; returns how many. */
  async purgeBefore(cutoff: Date): Promise<number> {
    let n = 0;
    for await (const e of this.table.query<SeenEntity>(odata`seenAt lt ${cutoff}`, ['PartitionKey', 'RowKey'])) {
      if (e.partitionKey !== undefined && e.rowKey !== undefined && (await this.table.delete(e.partitionKey, e.rowKey))) n += 1;
    }
    return n;
  }
}
