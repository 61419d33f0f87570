import { odata } from '@azure/data-tables';
import { claimedByOther } from '../core/incidents/memory-stores';
import type { OutboxEntry, OutboxPlan, SharedOutbox } from '../core/incidents/ports';
import { CodedError } from '../core/errors';
import { type StateTable, type Stored, tableKey } from './table-client';

type StoredEntry = Omit<OutboxEntry, 'dueAt' | 'lastSentAt' | 'pendingSince' | 'claimedUntil'> & { dueAt: string; lastSentAt?: string; pendingSince?: string; claimedUntil?: string };

interface OutboxEntity {
  readonly entry: string;
  readonly conversationKey: string;
  /** Waiting for a revision the conversation has not seen (due and depth filter on it). */
  readonly waiting: boolean;
  readonly dueAt: Date;
  /** The running claim's end; the epoch when there is none, so `due` can filter on it. */
  readonly claimedUntil: Date;
}

const noClaim = new Date(0);

function entryOf(json: string): OutboxEntry {
  const { lastSentAt, pendingSince, claimedUntil, ...e } = JSON.parse(json) as StoredEntry;
  return {
    ...e,
    dueAt: new Date(e.dueAt),
    ...(lastSentAt !== undefined ? { lastSentAt: new Date(lastSentAt) } : {}),
    ...(pendingSince !== undefined ? { pendingSince: new Date(pendingSince) } : {}),
    ...(claimedUntil !== undefined ? { claimedUntil: new Date(claimedUntil) } : {}),
  };
}

const isWaiting = (e: Pick<OutboxEntry, 'status' | 'wantedRevision' | 'deliveredRevision'>): boolean => e.status === 'pending' && e.wantedRevision > e.deliveredRevision;

function withoutClaim(e: OutboxEntry): OutboxEntry {
  const { claimedBy: _holder, claimedUntil: _until, ...rest } = e;
  return rest;
}

/** An entry's id names its row: `<partition>:<row>` (neither form of a table key holds a colon). */
function keysOf(id: string): { partitionKey: string; rowKey: string } {
  const [partitionKey, rowKey, extra] = id.split(':');
  if (partitionKey === undefined || rowKey === undefined || extra !== undefined) throw new CodedError('internal', `not an outbox entry id: ${id}`, { id });
  return { partitionKey, rowKey };
}

/**
 * The delivery outbox on Azure Table Storage: one entity per incident per conversation
 * (partition: the incident). Every write is a read-modify-write conditional on the ETag, so the
 * planner raising the wanted revision and the delivery worker recording a card never lose each
 * other's change. A worker claims an entry for a bounded time before it sends; `due` leaves
 * out entries under a running claim, and a claim that expired (its holder died) is taken over.
 */
export class TableOutbox implements SharedOutbox {
  constructor(private readonly table: StateTable) {}

  private entity(e: OutboxEntry) {
    const { partitionKey, rowKey } = keysOf(e.id);
    return { partitionKey, rowKey, entry: JSON.stringify(e), conversationKey: e.conversationKey, waiting: isWaiting(e), dueAt: e.dueAt, claimedUntil: e.claimedUntil ?? noClaim };
  }

  /** A compare-and-swap on one entry; `change` returns the next entry, or undefined to leave it. */
  private change<R>(id: string, change: (current: OutboxEntry) => { next?: OutboxEntry; result: R }, missing: R): Promise<R> {
    const { partitionKey, rowKey } = keysOf(id);
    return this.table.modify<OutboxEntity, R>(partitionKey, rowKey, (stored: Stored<OutboxEntity> | undefined) => {
      if (!stored) return { result: missing };
      const decided = change(entryOf(stored.entry));
      return decided.next ? { write: this.entity(decided.next), result: decided.result } : { result: decided.result };
    });
  }

  async find(incidentId: string, conversationKey: string): Promise<OutboxEntry | undefined> {
    return this.get(`${tableKey(incidentId)}:${tableKey(conversationKey)}`);
  }

  async get(id: string): Promise<OutboxEntry | undefined> {
    const { partitionKey, rowKey } = keysOf(id);
    const stored = await this.table.get<OutboxEntity>(partitionKey, rowKey);
    return stored ? entryOf(stored.entry) : undefined;
  }

  async plan(incidentId: string, conversationKey: string, now: Date, decide: (existing: OutboxEntry | undefined) => OutboxPlan | undefined): Promise<OutboxEntry | undefined> {
    const id = `${tableKey(incidentId)}:${tableKey(conversationKey)}`;
    const { partitionKey, rowKey } = keysOf(id);
    return this.table.modify<OutboxEntity, OutboxEntry | undefined>(partitionKey, rowKey, (stored) => {
      const existing = stored ? entryOf(stored.entry) : undefined;
      const plan = decide(existing);
      if (!plan) return { result: existing };
      const next: OutboxEntry = {
        ...existing,
        id,
        incidentId,
        conversationKey,
        subscriptionId: existing?.subscriptionId ?? plan.subscriptionId,
        wantedRevision: Math.max(existing?.wantedRevision ?? 0, plan.wantedRevision),
        deliveredRevision: existing?.deliveredRevision ?? 0,
        dueAt: plan.dueAt,
        attempts: plan.attempts,
        status: plan.status,
        // The wait starts with the first revision the conversation has not seen; later ones ride along.
        pendingSince: existing && isWaiting(existing) ? (existing.pendingSince ?? now) : now,
      };
      return { write: this.entity(next), result: next };
    });
  }

  /** A filtered scan of the waiting entries; the table has no order, so they are sorted here. */
  async due(now: Date, limit: number, excludeConversations: readonly string[] = []): Promise<OutboxEntry[]> {
    const rows = await this.table.all<OutboxEntity>(odata`waiting eq true and dueAt le ${now} and claimedUntil le ${now}`, ['entry']);
    return rows
      .map((r) => entryOf(r.entry))
      .filter((e) => !excludeConversations.includes(e.conversationKey))
      .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime())
      .slice(0, limit);
  }

  claim(id: string, holder: string, now: Date, until: Date): Promise<OutboxEntry | undefined> {
    return this.change<OutboxEntry | undefined>(
      id,
      (e) => {
        if (claimedByOther(e, holder, now)) return { result: undefined };
        const next = { ...e, claimedBy: holder, claimedUntil: until };
        return { next, result: next };
      },
      undefined,
    );
  }

  markDelivered(id: string, holder: string, revision: number, activityId: string, at: Date, nextDueAt: Date): Promise<void> {
    return this.change<void>(
      id,
      (e) => {
        const deliveredRevision = Math.max(e.deliveredRevision, revision);
        const stillWaiting = e.wantedRevision > deliveredRevision;
        const { lastError: _cleared, pendingSince: _wait, ...rest } = e.claimedBy === holder ? withoutClaim(e) : e;
        const next: OutboxEntry = {
          ...rest,
          deliveredRevision,
          // A known card id is never replaced: only forgetActivity clears it (the card was deleted).
          activityId: e.activityId ?? activityId,
          lastSentAt: at,
          attempts: 0,
          dueAt: nextDueAt,
          status: stillWaiting ? 'pending' : 'delivered',
          ...(stillWaiting ? { pendingSince: at } : {}),
        };
        return { next, result: undefined };
      },
      undefined,
    );
  }

  /** A change only the claim's holder may make; it keeps or gives up the claim as `release` says. */
  private byHolder(id: string, holder: string, release: boolean, change: (e: OutboxEntry) => OutboxEntry): Promise<boolean> {
    return this.change<boolean>(
      id,
      (e) => {
        if (e.claimedBy !== holder) return { result: false };
        const next = change(e);
        return { next: release ? withoutClaim(next) : next, result: true };
      },
      false,
    );
  }

  reschedule(id: string, holder: string, dueAt: Date, attempts: number, error: string): Promise<boolean> {
    return this.byHolder(id, holder, true, (e) => ({ ...e, dueAt, attempts, lastError: error.slice(0, 2000) }));
  }

  markFailed(id: string, holder: string, error: string): Promise<boolean> {
    return this.byHolder(id, holder, true, (e) => ({ ...e, status: 'failed', lastError: error.slice(0, 2000) }));
  }

  forgetActivity(id: string, holder: string): Promise<boolean> {
    return this.byHolder(id, holder, false, (e) => {
      const { activityId: _deleted, ...rest } = e;
      return { ...rest, deliveredRevision: 0 };
    });
  }

  async release(id: string, holder: string): Promise<void> {
    await this.change<void>(id, (e) => (e.claimedBy === holder ? { next: withoutClaim(e), result: undefined } : { result: undefined }), undefined);
  }

  async failConversation(conversationKey: string, error: string): Promise<number> {
    const rows = await this.table.all<OutboxEntity>(odata`conversationKey eq ${conversationKey}`, ['entry']);
    let failed = 0;
    for (const row of rows) {
      const changed = await this.change<boolean>(entryOf(row.entry).id, (e) => (e.status === 'pending' ? { next: { ...e, status: 'failed', lastError: error.slice(0, 2000) }, result: true } : { result: false }), false);
      if (changed) failed += 1;
    }
    return failed;
  }

  async depth(): Promise<number> {
    return (await this.table.all<OutboxEntity>(odata`waiting eq true`, ['PartitionKey'])).length;
  }

  async nextDueAt(): Promise<Date | undefined> {
    const rows = await this.table.all<OutboxEntity>(odata`waiting eq true`, ['dueAt']);
    const first = Math.min(...rows.map((r) => r.dueAt.getTime()));
    return Number.isFinite(first) ? new Date(first) : undefined;
  }
}
