import type { AlertCondition, AlertVault, BackupAlert } from './backup-alert';
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
  /** The group's most recently active incident whose last alert is within [from, to], if any. */
  findActiveBetween(groupKey: string, from: Date, to: Date): IncidentHeader | undefined;
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
  /** Changes the entry with this dedupe key (the key every instance and every retry agrees on). */
  update(dedupeKey: string, changes: { status: InboxStatus; code: string | null; incidentId: string | null }): void;
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
  /** The delivery worker (one per instance) sending this entry now, until `claimedUntil`. */
  readonly claimedBy?: string;
  /** A claim past this time is taken over: its holder died or hangs. */
  readonly claimedUntil?: Date;
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
  /**
   * Takes the entry for `holder` until `until`, unless another holder's claim runs past `now`;
   * returns the claimed entry, or undefined. `due` leaves out entries under a running claim.
   */
  claim(id: string, holder: string, now: Date, until: Date): OutboxEntry | undefined;
  /** Gives the claim up, if `holder` still has it. */
  release(id: string, holder: string): void;
}

export interface SubscriptionStore {
  add(subscription: Subscription): void;
  /** Removes this conversation's subscriptions (all, or those equal to `scopeKey`); returns how many. */
  remove(conversationKey: string, scopeKey?: string): number;
  listForConversation(conversationKey: string): Subscription[];
  list(): readonly Subscription[];
  /** Those whose scope matches the vault (every vault, this vault, its Azure subscription), read from the store. */
  listMatching(vault: AlertVault): Subscription[];
}

export interface PollerWatermarkStore {
  get(vaultKey: string): Date | undefined;
  set(vaultKey: string, at: Date): void;
  lastPollAt(): Date | undefined;
}

export type { AlertCondition };

/*
 * The same records as Promise-returning ports, for state that several bot instances share.
 * Azure Storage implements them (src/storage/table-*.ts); memory and SQLite implement them
 * over the synchronous ports above (transactional-shared-stores.ts), so one contract suite
 * covers all three. No call spans a transaction (Azure Tables has none across partitions):
 * each deciding write is a compare-and-swap, and the steps around it are idempotent, so a
 * step repeated after a crash or a lost race changes nothing twice.
 */

/** An incident group (vault + code) as read for one alert: what a commit must still find. */
export interface IncidentGroupRead {
  readonly groupKey: string;
  /**
   * The incident the alert may join: the group's most recent one whose last alert is within the
   * window of the alert's time (as IncidentStore.findActiveBetween), if any. Mostly the group's
   * latest; an older one for an alert of a storm that arrives late, after a newer incident.
   */
  readonly near: IncidentHeader | undefined;
  /** That incident's record of the VM asked for. */
  readonly vm: IncidentVm | undefined;
  /** Opaque: the group's state as read (ETags on Azure). */
  readonly version: string;
}

/** What one alert does to its group: the incident header (new or updated) and, when it changed, the VM. */
export interface IncidentChange {
  readonly header: IncidentHeader;
  readonly vm?: IncidentVm;
}

export interface SharedIncidentStore {
  /** The group as an alert at `at` of the VM `vmKey` finds it, grouping within `windowMs` of its time. */
  readGroup(groupKey: string, vmKey: string, at: Date, windowMs: number): Promise<IncidentGroupRead>;
  /**
   * Writes the change only if the group is still as `read` found it, header and VM together.
   * False: another instance changed the group first; read it again and decide again. This
   * is what makes two instances accepting alerts of one vault and code end in one incident.
   * A change to an incident older than the group's latest (a late storm's) leaves the latest
   * the one a new alert finds.
   */
  commit(read: IncidentGroupRead, change: IncidentChange): Promise<boolean>;
  /** The incident with its VMs in the order first seen. */
  get(incidentId: string): Promise<Incident | undefined>;
  /** Incidents not all recovered whose last alert is at or after `since`, most recent first. */
  listOpen(since: Date): Promise<IncidentHeader[]>;
}

export interface SharedAlertInbox {
  /** Create-only: of two instances inserting one dedupe key, exactly one inserts; the other gets the stored entry. */
  insert(entry: InboxEntry): Promise<{ readonly inserted: boolean; readonly entry: InboxEntry }>;
  find(dedupeKey: string): Promise<InboxEntry | undefined>;
  /** Up to `limit` entries in a status, oldest first. */
  listByStatus(status: InboxStatus, limit: number): Promise<InboxEntry[]>;
  /** Moves an entry on from status `from`; false when it is no longer in `from` (another instance moved it first). */
  update(dedupeKey: string, from: InboxStatus, changes: { status: InboxStatus; code: string | null; incidentId: string | null }): Promise<boolean>;
}

/** What the planner decides for one conversation's entry; what was delivered and the claim are the delivery worker's. */
export interface OutboxPlan {
  /** Used when the entry is created; an existing entry keeps its subscription. */
  readonly subscriptionId: string;
  /** Raised, never lowered. */
  readonly wantedRevision: number;
  readonly dueAt: Date;
  readonly attempts: number;
  readonly status: OutboxStatus;
}

export interface SharedOutbox {
  find(incidentId: string, conversationKey: string): Promise<OutboxEntry | undefined>;
  get(id: string): Promise<OutboxEntry | undefined>;
  /**
   * Plans a delivery as a compare-and-swap: `decide` sees the entry as stored (undefined: none
   * yet) and returns the plan, or undefined to leave it. It runs again when another instance
   * changed the entry in between, so it must be a pure function of what it is given. `now`
   * starts the accepted-to-posted wait. Returns the entry as stored.
   */
  plan(incidentId: string, conversationKey: string, now: Date, decide: (existing: OutboxEntry | undefined) => OutboxPlan | undefined): Promise<OutboxEntry | undefined>;
  /** Pending entries due at `now`, earliest first, leaving out those under a running claim and the conversations given. */
  due(now: Date, limit: number, excludeConversations?: readonly string[]): Promise<OutboxEntry[]>;
  /**
   * Takes the entry for `holder` until `until`, unless another holder's claim runs past `now`.
   * Only the holder sends the card; a claim that expires (its holder died) is taken over.
   */
  claim(id: string, holder: string, now: Date, until: Date): Promise<OutboxEntry | undefined>;
  /**
   * Records the card and the revision shown, and gives the claim up. Recorded whoever holds the
   * claim now: the card exists. A known card id is never replaced. If a newer revision arrived
   * meanwhile the entry stays pending, due at `nextDueAt` (coalescing).
   */
  markDelivered(id: string, holder: string, revision: number, activityId: string, at: Date, nextDueAt: Date): Promise<void>;
  /** Retry later and give the claim up; false (nothing written) when `holder` no longer has the claim. */
  reschedule(id: string, holder: string, dueAt: Date, attempts: number, error: string): Promise<boolean>;
  /** Give up on the entry; false (nothing written) when `holder` no longer has the claim. */
  markFailed(id: string, holder: string, error: string): Promise<boolean>;
  /** Forgets the entry's card (deleted in the channel); false when `holder` no longer has the claim. */
  forgetActivity(id: string, holder: string): Promise<boolean>;
  /** Gives the claim up, if `holder` still has it. */
  release(id: string, holder: string): Promise<void>;
  /** Marks every pending entry of a conversation failed (the bot may no longer post there); returns how many. */
  failConversation(conversationKey: string, error: string): Promise<number>;
  depth(): Promise<number>;
  nextDueAt(): Promise<Date | undefined>;
}

export interface SharedSubscriptionStore {
  /** Adds a subscription; subscribing again to the same scope keeps the stored one (and its id). Returns the stored one. */
  add(subscription: Subscription): Promise<Subscription>;
  /** Removes this conversation's subscriptions (all, or those equal to `scopeKey`); returns how many. */
  remove(conversationKey: string, scopeKey?: string): Promise<number>;
  listForConversation(conversationKey: string): Promise<Subscription[]>;
  /** Those whose scope matches the vault (every vault, this vault, its Azure subscription). */
  listMatching(vault: AlertVault): Promise<Subscription[]>;
}

export interface SharedWatermarkStore {
  get(vaultKey: string): Promise<Date | undefined>;
  /**
   * Moves the vault's watermark from `from` (as read; undefined: none yet) to `to`. False when
   * another instance moved it first: that poll's window is covered, this one is not recorded.
   */
  advance(vaultKey: string, from: Date | undefined, to: Date, polledAt: Date): Promise<boolean>;
  lastPollAt(): Promise<Date | undefined>;
}

/** Idempotency keys of inbound events (Slack retries an event it thinks was not answered). */
export interface SharedSeenEvents {
  /** True the first time an event id is seen, on any instance; false for every later delivery of it. */
  firstDelivery(eventId: string): Promise<boolean>;
}

/** Every record of the alert path and Slack's seen events, as one shared store set. */
export interface SharedStateStores {
  readonly incidents: SharedIncidentStore;
  readonly inbox: SharedAlertInbox;
  readonly outbox: SharedOutbox;
  readonly subscriptions: SharedSubscriptionStore;
  readonly watermarks: SharedWatermarkStore;
  readonly seenEvents: SharedSeenEvents;
}
