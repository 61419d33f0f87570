import type { TransactionAction } from '@azure/data-tables';
import type { FleetSweepResult, SweepTrigger } from '../core/sweep/fleet-sweep-result';
import type { DigestMessage, SweepStore } from '../core/sweep/sweep-store';
import { type StateTable, tableKey } from './table-client';

/** A string property holds at most 64 KiB (32 K UTF-16 characters); a sweep of a large fleet is split across rows. */
const chunkChars = 30_000;
/** An entity group transaction takes at most 100 actions. */
const batchSize = 100;

interface ChunkEntity {
  readonly part: string;
}
interface HeadEntity {
  readonly sweepId: string;
  readonly parts: number;
  readonly finishedAt: string;
}
interface DigestEntity {
  readonly message: string;
}

const sweepPartition = (id: string) => `sweep|${tableKey(id)}`;
const chunkRow = (i: number) => `part|${String(i).padStart(6, '0')}`;
const LATEST_PARTITION = 'latest';
const DIGEST_PARTITION = 'digest';

/**
 * Sweeps on Azure Table Storage, for several instances: a sweep's JSON split over the rows of its
 * own partition (written in entity group transactions), then a head row naming it, written last,
 * so a reader never sees a sweep half written. The latest sweep (overall and per trigger) is a
 * pointer row replaced only by a newer sweep. Digest messages are one row per conversation.
 */
export class TableSweepStore implements SweepStore {
  constructor(private readonly table: StateTable) {}

  async save(result: FleetSweepResult): Promise<void> {
    const json = JSON.stringify(result);
    const partition = sweepPartition(result.id);
    const parts: TransactionAction[] = [];
    for (let i = 0; i * chunkChars < json.length || i === 0; i += 1) {
      parts.push(['upsert', { partitionKey: partition, rowKey: chunkRow(i), part: json.slice(i * chunkChars, (i + 1) * chunkChars) }, 'Replace']);
    }
    for (let i = 0; i < parts.length; i += batchSize) await this.table.transact(parts.slice(i, i + batchSize));
    const head: HeadEntity = { sweepId: result.id, parts: parts.length, finishedAt: result.finishedAt };
    await this.table.put({ partitionKey: partition, rowKey: 'head', ...head });
    for (const pointer of ['any', result.trigger]) {
      // Only a newer sweep moves the pointer: two instances saving at once leave the newest.
      await this.table.modify<HeadEntity, void>(LATEST_PARTITION, pointer, (current) => ({
        result: undefined,
        ...(current === undefined || current.finishedAt <= result.finishedAt ? { write: { partitionKey: LATEST_PARTITION, rowKey: pointer, ...head } } : {}),
      }));
    }
  }

  async get(id: string): Promise<FleetSweepResult | undefined> {
    const head = await this.table.get<HeadEntity>(sweepPartition(id), 'head');
    return head === undefined ? undefined : this.read(head);
  }

  async latest(trigger?: SweepTrigger): Promise<FleetSweepResult | undefined> {
    const pointer = await this.table.get<HeadEntity>(LATEST_PARTITION, trigger ?? 'any');
    return pointer === undefined ? undefined : this.read(pointer);
  }

  async digestMessage(conversationKey: string): Promise<DigestMessage | undefined> {
    const row = await this.table.get<DigestEntity>(DIGEST_PARTITION, tableKey(conversationKey));
    return row === undefined ? undefined : (JSON.parse(row.message) as DigestMessage);
  }

  async saveDigestMessage(message: DigestMessage): Promise<void> {
    await this.table.put({ partitionKey: DIGEST_PARTITION, rowKey: tableKey(message.conversationKey), message: JSON.stringify(message) });
  }

  async forgetDigestMessage(conversationKey: string): Promise<void> {
    await this.table.delete(DIGEST_PARTITION, tableKey(conversationKey));
  }

  async purgeFinishedBefore(cutoff: Date): Promise<number> {
    const heads = await this.table.all<HeadEntity>(`PartitionKey ge 'sweep|' and PartitionKey lt 'sweep}' and RowKey eq 'head'`);
    const pointers = await this.table.all<HeadEntity>(`PartitionKey eq '${LATEST_PARTITION}'`);
    const digests = await this.table.all<DigestEntity>(`PartitionKey eq '${DIGEST_PARTITION}'`);
    const kept = new Set([...pointers.map((p) => p.sweepId), ...digests.map((d) => (JSON.parse(d.message) as DigestMessage).sweepId)]);
    let removed = 0;
    for (const head of heads) {
      if (head.finishedAt >= cutoff.toISOString() || kept.has(head.sweepId)) continue;
      const partition = sweepPartition(head.sweepId);
      // The head first: a reader then finds no sweep rather than a sweep with parts missing.
      if (!(await this.table.delete(partition, 'head', head.etag))) continue;
      for (const row of await this.table.all<ChunkEntity>(`PartitionKey eq '${partition}'`, ['PartitionKey', 'RowKey'])) await this.table.delete(partition, row.rowKey ?? '');
      removed += 1;
    }
    return removed;
  }

  private async read(head: HeadEntity): Promise<FleetSweepResult | undefined> {
    const partition = sweepPartition(head.sweepId);
    const rows = await this.table.all<ChunkEntity>(`PartitionKey eq '${partition}' and RowKey ge 'part|' and RowKey lt 'part}'`);
    if (rows.length < head.parts) return undefined;
    const json = rows
      .sort((a, b) => ((a.rowKey ?? '') < (b.rowKey ?? '') ? -1 : 1))
      .slice(0, head.parts)
      .map((r) => r.part)
      .join('');
    return JSON.parse(json) as FleetSweepResult;
  }
}
