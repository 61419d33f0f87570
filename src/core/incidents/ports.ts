import type { AlertCondition, BackupAlert } from './backup-alert';
import type { IncidentHeader, IncidentVm, Incident } from './incident';
import type { Subscription } from './subscription';

/**
 * Stores of the alert path. They are synchronous on purpose: accepting an alert writes the
 * inbox entry, the incident, its VM and the outbox plan in ONE transaction (`UnitOfWork`),
 * so a 202 means all of it is on disk or none of it is.
 */
export interface UnitOfWork {
  run<T>(work: () => T): T;
}

export interface IncidentStore {
  /** The most recently active incident of a group, if any. */
  findLatest(groupKey: string): IncidentHeader | undefined;
  insert(header: IncidentHeader): void;
  update(header: IncidentHeader): void;
  getVm(incidentId: string, vmKey: string): IncidentVm | undefined;
  putVm(incidentId: string, vm: IncidentVm): void;
  get(incidentId: string): Incident | undefined;
  getHeader(incidentId: string): IncidentHeader | undefined;
  count(): number;
  /** Incidents not all recovered whose last alert is at or after `since`, most recent first. */
  listOpen(since: Date): IncidentHeader[];
}

export type InboxStatus = 'grouped' | 'needs-job' | 'ignored';

export interface InboxEntry {
  readonly id: string;
  readonly dedupeKey: string;
  readonly alert: BackupAlert;
  readonly code: string | null;
  readonly status: InboxStatus;
  readonly incidentId: string | null;
  readonly receivedAt: Date;
}

export interface AlertInbox {
  /** Inserts unless an entry with the same dedupe key exists; then returns that one. */
  insert(entry: InboxEntry): { readonly inserted: boolean; readonly entry: InboxEntry };
  find(dedupeKey: string): InboxEntry | undefined;
  listByStatus(status: InboxStatus, limit: number): InboxEntry[];
  update(id: string, changes: { status: InboxStatus; code: string | null; incidentId: string | null }): void;
  count(): number;
}

export type OutboxStatus = 'pending' | 'delivered' | 'failed';

export interface OutboxEntry {
  readonly id: string;
  readonly incidentId: string;
  readonly conversationKey: string;
  readonly subscriptionId: string;
  /** The incident revision the conversation should see. */
  readonly wantedRevision: number;
  /** The revision last shown there (0: nothing posted yet). */
  readonly deliveredRevision: number;
  /** The card's activity id once created: later deliveries update it in place. */
  readonly activityId?: string;
  readonly dueAt: Date;
  readonly attempts: number;
  readonly lastSentAt?: Date;
  readonly status: OutboxStatus;
  readonly lastError?: string;
  /** Since when the conversation has waited for a revision it has not seen (for the accepted-to-posted metric). */
  readonly pendingSince?: Date;
}

export interface Outbox {
  find(incidentId: string, conversationKey: string): OutboxEntry | undefined;
  /** Inserts or raises wantedRevision and sets dueAt (see planDelivery). */
  upsert(entry: Omit<OutboxEntry, 'id'> & { id?: string }): OutboxEntry;
  /** Pending entries due at `now`, earliest first. */
  due(now: Date, limit: number): OutboxEntry[];
  /**
   * Records the created/updated activity and the revision shown, in one write. If a newer
   * revision arrived meanwhile the entry stays pending, due at `nextDueAt` (coalescing).
   */
  markDelivered(id: string, revision: number, activityId: string, at: Date, nextDueAt: Date): void;
  reschedule(id: string, dueAt: Date, attempts: number, error: string): void;
  markFailed(id: string, error: string): void;
  depth(): number;
  nextDueAt(): Date | undefined;
  get(id: string): OutboxEntry | undefined;
}

/** What the delivery worker needs of the outbox beyond planning. */
export interface DeliveryOutbox extends Outbox {
  /** Pending entries due at `now`, earliest first, leaving out conversations already being delivered to. */
  due(now: Date, limit: number, excludeConversations?: readonly string[]): OutboxEntry[];
  /** Forgets the entry's card (it was deleted in the channel): the next delivery posts a new one. */
  forgetActivity(id: string): void;
  /** Marks every pending entry of a conversation failed (the bot may no longer post there); returns how many. */
  failConversation(conversationKey: string, error: string): number;
}

export interface SubscriptionStore {
  add(subscription: Subscription): void;
  /** Removes this conversation's subscriptions (all, or those equal to `scopeKey`); returns how many. */
  remove(conversationKey: string, scopeKey?: string): number;
  listForConversation(conversationKey: string): Subscription[];
  list(): readonly Subscription[];
}

export interface PollerWatermarkStore {
  get(vaultKey: string): Date | undefined;
  set(vaultKey: string, at: Date): void;
  lastPollAt(): Date | undefined;
}

export type { AlertCondition };
