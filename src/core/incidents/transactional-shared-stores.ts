import type { AlertVault } from './backup-alert';
import { type IncidentHeader, type Incident, type IncidentVm, windowAround } from './incident';
import type {
  AlertInbox,
  DeliveryOutbox,
  IncidentChange,
  IncidentGroupRead,
  IncidentStore,
  InboxEntry,
  InboxStatus,
  OutboxEntry,
  OutboxPlan,
  PollerWatermarkStore,
  SharedAlertInbox,
  SharedIncidentStore,
  SharedOutbox,
  SharedSeenEvents,
  SharedStateStores,
  SharedSubscriptionStore,
  SharedWatermarkStore,
  SubscriptionStore,
  UnitOfWork,
} from './ports';
import { immediateUnitOfWork, MemoryAlertInbox, MemoryIncidentStore, MemoryOutbox, MemoryPollerWatermark, MemorySubscriptionStore } from './memory-stores';
import { scopeKey, type Subscription } from './subscription';

/** The synchronous stores of one transactional backend (memory, one SQLite file). */
export interface TransactionalStores {
  /** Must serialise writers across connections (SQLite: BEGIN IMMEDIATE), or a compare-and-swap could be lost. */
  readonly unitOfWork: UnitOfWork;
  readonly incidents: IncidentStore;
  readonly inbox: AlertInbox;
  readonly outbox: DeliveryOutbox;
  readonly subscriptions: SubscriptionStore;
  readonly watermarks: PollerWatermarkStore;
}

/** Slack's seen events are not here: their SQLite store belongs to the Slack channel. */
export type TransactionalSharedStores = Omit<SharedStateStores, 'seenEvents'>;

/**
 * The shared-state ports over a backend that has transactions: each compare-and-swap is a
 * read, a check and a write inside one transaction. Azure Tables has no such transaction
 * across partitions, so its stores implement the same ports with ETags instead
 * (src/storage/table-*.ts); the contract suite holds both to the same behaviour.
 */
export function transactionalSharedStores(stores: TransactionalStores): TransactionalSharedStores {
  return {
    incidents: new TransactionalIncidents(stores.unitOfWork, stores.incidents),
    inbox: new TransactionalInbox(stores.unitOfWork, stores.inbox),
    outbox: new TransactionalOutbox(stores.unitOfWork, stores.outbox),
    subscriptions: new TransactionalSubscriptions(stores.unitOfWork, stores.subscriptions),
    watermarks: new TransactionalWatermarks(stores.unitOfWork, stores.watermarks),
  };
}

/** What a group was read for: a commit reads it again the same way. */
interface GroupQuery {
  readonly vmKey: string;
  readonly at: string;
  readonly windowMs: number;
}

/**
 * The group as read for one alert, in full: a commit compares it again inside its transaction.
 * The decision rests on the incident found and its VM only, so that is all that must not change.
 */
function groupVersion(query: GroupQuery, near: IncidentHeader | undefined, vm: IncidentVm | undefined): string {
  return JSON.stringify({ ...query, near: near ?? null, vm: vm ?? null });
}

class TransactionalIncidents implements SharedIncidentStore {
  constructor(
    private readonly unit: UnitOfWork,
    private readonly store: IncidentStore,
  ) {}

  private readNow(groupKey: string, query: GroupQuery): IncidentGroupRead {
    const { from, to } = windowAround(new Date(query.at), query.windowMs);
    // The latest incident when it is within the window (it is the most recent of all), else an older one that is.
    const near = this.store.findActiveBetween(groupKey, from, to);
    const vm = near ? this.store.getVm(near.id, query.vmKey) : undefined;
    return { groupKey, near, vm, version: groupVersion(query, near, vm) };
  }

  async readGroup(groupKey: string, vmKey: string, at: Date, windowMs: number): Promise<IncidentGroupRead> {
    return this.unit.run(() => this.readNow(groupKey, { vmKey, at: at.toISOString(), windowMs }));
  }

  async commit(read: IncidentGroupRead, change: IncidentChange): Promise<boolean> {
    const { vmKey, at, windowMs } = JSON.parse(read.version) as GroupQuery;
    return this.unit.run(() => {
      if (this.readNow(read.groupKey, { vmKey, at, windowMs }).version !== read.version) return false;
      if (this.store.getHeader(change.header.id)) this.store.update(change.header);
      else this.store.insert(change.header);
      if (change.vm) this.store.putVm(change.header.id, change.vm);
      return true;
    });
  }

  async get(incidentId: string): Promise<Incident | undefined> {
    return this.store.get(incidentId);
  }

  async listOpen(since: Date): Promise<IncidentHeader[]> {
    return this.store.listOpen(since);
  }
}

class TransactionalInbox implements SharedAlertInbox {
  constructor(
    private readonly unit: UnitOfWork,
    private readonly inbox: AlertInbox,
  ) {}

  async insert(entry: InboxEntry): Promise<{ inserted: boolean; entry: InboxEntry }> {
    return this.unit.run(() => this.inbox.insert(entry));
  }
  async find(dedupeKey: string): Promise<InboxEntry | undefined> {
    return this.inbox.find(dedupeKey);
  }
  async listByStatus(status: InboxStatus, limit: number): Promise<InboxEntry[]> {
    return this.inbox.listByStatus(status, limit);
  }
  async update(dedupeKey: string, from: InboxStatus, changes: { status: InboxStatus; code: string | null; incidentId: string | null }): Promise<boolean> {
    return this.unit.run(() => {
      const entry = this.inbox.find(dedupeKey);
      if (!entry || entry.status !== from) return false;
      this.inbox.update(dedupeKey, changes);
      return true;
    });
  }
}

const waiting = (e: OutboxEntry | undefined): boolean => e !== undefined && e.status === 'pending' && e.wantedRevision > e.deliveredRevision;

class TransactionalOutbox implements SharedOutbox {
  constructor(
    private readonly unit: UnitOfWork,
    private readonly outbox: DeliveryOutbox,
  ) {}

  async find(incidentId: string, conversationKey: string): Promise<OutboxEntry | undefined> {
    return this.outbox.find(incidentId, conversationKey);
  }
  async get(id: string): Promise<OutboxEntry | undefined> {
    return this.outbox.get(id);
  }
  async plan(incidentId: string, conversationKey: string, now: Date, decide: (existing: OutboxEntry | undefined) => OutboxPlan | undefined): Promise<OutboxEntry | undefined> {
    return this.unit.run(() => {
      const existing = this.outbox.find(incidentId, conversationKey);
      const plan = decide(existing);
      if (!plan) return existing;
      const wantedRevision = Math.max(existing?.wantedRevision ?? 0, plan.wantedRevision);
      const pendingSince = waiting(existing) ? (existing?.pendingSince ?? now) : now;
      // Delivery's fields (card, delivered revision, claim) ride along unchanged.
      return this.outbox.upsert({
        ...existing,
        incidentId,
        conversationKey,
        subscriptionId: existing?.subscriptionId ?? plan.subscriptionId,
        wantedRevision,
        deliveredRevision: existing?.deliveredRevision ?? 0,
        dueAt: plan.dueAt,
        attempts: plan.attempts,
        status: plan.status,
        pendingSince,
      });
    });
  }
  async due(now: Date, limit: number, excludeConversations: readonly string[] = []): Promise<OutboxEntry[]> {
    return this.outbox.due(now, limit, excludeConversations);
  }
  async claim(id: string, holder: string, now: Date, until: Date): Promise<OutboxEntry | undefined> {
    return this.unit.run(() => this.outbox.claim(id, holder, now, until));
  }
  async markDelivered(id: string, holder: string, revision: number, activityId: string, at: Date, nextDueAt: Date): Promise<void> {
    this.unit.run(() => {
      this.outbox.markDelivered(id, revision, activityId, at, nextDueAt);
      this.outbox.release(id, holder);
    });
  }
  /** Runs `write` only while `holder` has the entry's claim. */
  private whileHeld(id: string, holder: string, write: () => void): boolean {
    return this.unit.run(() => {
      if (this.outbox.get(id)?.claimedBy !== holder) return false;
      write();
      return true;
    });
  }
  async reschedule(id: string, holder: string, dueAt: Date, attempts: number, error: string): Promise<boolean> {
    return this.whileHeld(id, holder, () => {
      this.outbox.reschedule(id, dueAt, attempts, error);
      this.outbox.release(id, holder);
    });
  }
  async markFailed(id: string, holder: string, error: string): Promise<boolean> {
    return this.whileHeld(id, holder, () => {
      this.outbox.markFailed(id, error);
      this.outbox.release(id, holder);
    });
  }
  async forgetActivity(id: string, holder: string): Promise<boolean> {
    return this.whileHeld(id, holder, () => this.outbox.forgetActivity(id));
  }
  async release(id: string, holder: string): Promise<void> {
    this.unit.run(() => this.outbox.release(id, holder));
  }
  async failConversation(conversationKey: string, error: string): Promise<number> {
    return this.unit.run(() => this.outbox.failConversation(conversationKey, error));
  }
  async depth(): Promise<number> {
    return this.outbox.depth();
  }
  async nextDueAt(): Promise<Date | undefined> {
    return this.outbox.nextDueAt();
  }
}

class TransactionalSubscriptions implements SharedSubscriptionStore {
  constructor(
    private readonly unit: UnitOfWork,
    private readonly store: SubscriptionStore,
  ) {}

  async add(subscription: Subscription): Promise<Subscription> {
    return this.unit.run(() => {
      this.store.add(subscription);
      const key = scopeKey(subscription.scope);
      return this.store.listForConversation(subscription.conversationKey).find((s) => scopeKey(s.scope) === key) ?? subscription;
    });
  }
  async remove(conversationKey: string, key?: string): Promise<number> {
    return this.unit.run(() => this.store.remove(conversationKey, key));
  }
  async listForConversation(conversationKey: string): Promise<Subscription[]> {
    return this.store.listForConversation(conversationKey);
  }
  async listMatching(vault: AlertVault): Promise<Subscription[]> {
    return this.store.listMatching(vault);
  }
}

class TransactionalWatermarks implements SharedWatermarkStore {
  constructor(
    private readonly unit: UnitOfWork,
    private readonly store: PollerWatermarkStore,
  ) {}

  async get(vaultKey: string): Promise<Date | undefined> {
    return this.store.get(vaultKey);
  }
  async advance(vaultKey: string, from: Date | undefined, to: Date): Promise<boolean> {
    return this.unit.run(() => {
      if (this.store.get(vaultKey)?.getTime() !== from?.getTime()) return false;
      this.store.set(vaultKey, to);
      return true;
    });
  }
  async lastPollAt(): Promise<Date | undefined> {
    return this.store.lastPollAt();
  }
}

/** Seen event ids in memory (unit tests and the single-process demo). */
export class MemorySeenEvents implements SharedSeenEvents {
  private readonly seen = new Set<string>();
  async firstDelivery(eventId: string): Promise<boolean> {
    if (this.seen.has(eventId)) return false;
    this.seen.add(eventId);
    return true;
  }
}

/** Every shared-state port in memory: one process, for unit tests. */
export function memorySharedStores(): SharedStateStores {
  const stores = transactionalSharedStores({
    unitOfWork: immediateUnitOfWork,
    incidents: new MemoryIncidentStore(),
    inbox: new MemoryAlertInbox(),
    outbox: new MemoryOutbox(),
    subscriptions: new MemorySubscriptionStore(),
    watermarks: new MemoryPollerWatermark(),
  });
  return { ...stores, seenEvents: new MemorySeenEvents() };
}
