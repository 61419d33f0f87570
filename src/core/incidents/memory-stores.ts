import type { IncidentHeader, IncidentVm, Incident } from './incident';
import type { AlertVault } from './backup-alert';
import type { AlertInbox, DeliveryOutbox, IncidentStore, InboxEntry, InboxStatus, OutboxEntry, PollerWatermarkStore, SubscriptionStore, UnitOfWork } from './ports';
import type { Subscription } from './subscription';
import { scopeKey, subscriptionMatches } from './subscription';

/** In-memory stores for unit tests and the pure benchmark; the default store is SQLite (src/storage). */
export const immediateUnitOfWork: UnitOfWork = { run: (work) => work() };

export class MemoryIncidentStore implements IncidentStore {
  private readonly headers = new Map<string, IncidentHeader>();
  private readonly vms = new Map<string, Map<string, IncidentVm>>();

  findLatest(groupKey: string): IncidentHeader | undefined {
    let latest: IncidentHeader | undefined;
    for (const h of this.headers.values()) if (h.groupKey === groupKey && (!latest || h.lastAlertAt > latest.lastAlertAt)) latest = h;
    return latest;
  }
  findActiveBetween(groupKey: string, from: Date, to: Date): IncidentHeader | undefined {
    let found: IncidentHeader | undefined;
    for (const h of this.headers.values()) {
      if (h.groupKey !== groupKey || h.lastAlertAt < from || h.lastAlertAt > to) continue;
      if (!found || h.lastAlertAt > found.lastAlertAt) found = h;
    }
    return found;
  }
  insert(header: IncidentHeader): void {
    this.headers.set(header.id, header);
    this.vms.set(header.id, new Map());
  }
  update(header: IncidentHeader): void {
    this.headers.set(header.id, header);
  }
  getVm(incidentId: string, vmKey: string): IncidentVm | undefined {
    return this.vms.get(incidentId)?.get(vmKey);
  }
  putVm(incidentId: string, vm: IncidentVm): void {
    this.vms.get(incidentId)?.set(vm.key, vm);
  }
  getHeader(incidentId: string): IncidentHeader | undefined {
    return this.headers.get(incidentId);
  }
  get(incidentId: string): Incident | undefined {
    const h = this.headers.get(incidentId);
    if (!h) return undefined;
    const vms = [...(this.vms.get(incidentId)?.values() ?? [])].sort((a, b) => a.firstSeenAt.getTime() - b.firstSeenAt.getTime());
    return { ...h, vms };
  }
  count(): number {
    return this.headers.size;
  }
  listOpen(since: Date): IncidentHeader[] {
    return [...this.headers.values()]
      .filter((h) => h.recoveredCount < h.vmCount && h.lastAlertAt.getTime() >= since.getTime())
      .sort((a, b) => b.lastAlertAt.getTime() - a.lastAlertAt.getTime());
  }
  all(): IncidentHeader[] {
    return [...this.headers.values()];
  }
}

export class MemoryAlertInbox implements AlertInbox {
  private readonly byKey = new Map<string, InboxEntry>();
  private readonly byId = new Map<string, InboxEntry>();
  insert(entry: InboxEntry): { inserted: boolean; entry: InboxEntry } {
    const existing = this.byKey.get(entry.dedupeKey);
    if (existing) return { inserted: false, entry: existing };
    this.byKey.set(entry.dedupeKey, entry);
    this.byId.set(entry.id, entry);
    return { inserted: true, entry };
  }
  find(dedupeKey: string): InboxEntry | undefined {
    return this.byKey.get(dedupeKey);
  }
  listByStatus(status: InboxStatus, limit: number): InboxEntry[] {
    return [...this.byId.values()]
      .filter((e) => e.status === status)
      .sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime())
      .slice(0, limit);
  }
  update(dedupeKey: string, changes: { status: InboxStatus; code: string | null; incidentId: string | null }): void {
    const e = this.byKey.get(dedupeKey);
    if (!e) return;
    const next = { ...e, ...changes };
    this.byId.set(e.id, next);
    this.byKey.set(dedupeKey, next);
  }
  count(): number {
    return this.byId.size;
  }
}

/** A claim by someone else that still runs at `now`. */
export function claimedByOther(entry: Pick<OutboxEntry, 'claimedBy' | 'claimedUntil'>, holder: string | undefined, now: Date): boolean {
  return entry.claimedBy !== undefined && entry.claimedBy !== holder && entry.claimedUntil !== undefined && entry.claimedUntil.getTime() > now.getTime();
}

export class MemoryOutbox implements DeliveryOutbox {
  private readonly entries = new Map<string, OutboxEntry>();
  private seq = 0;
  find(incidentId: string, conversationKey: string): OutboxEntry | undefined {
    for (const e of this.entries.values()) if (e.incidentId === incidentId && e.conversationKey === conversationKey) return e;
    return undefined;
  }
  upsert(entry: Omit<OutboxEntry, 'id'> & { id?: string }): OutboxEntry {
    const id = entry.id ?? `out-${++this.seq}`;
    const stored: OutboxEntry = { ...entry, id };
    this.entries.set(id, stored);
    return stored;
  }
  due(now: Date, limit: number, excludeConversations: readonly string[] = []): OutboxEntry[] {
    return [...this.entries.values()]
      .filter((e) => e.status === 'pending' && e.wantedRevision > e.deliveredRevision && e.dueAt <= now && !claimedByOther(e, undefined, now) && !excludeConversations.includes(e.conversationKey))
      .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime())
      .slice(0, limit);
  }
  markDelivered(id: string, revision: number, activityId: string, at: Date, nextDueAt: Date): void {
    const e = this.entries.get(id);
    if (!e) return;
    const deliveredRevision = Math.max(e.deliveredRevision, revision);
    // A known card id is never replaced: only forgetActivity clears it (the card was deleted).
    this.entries.set(id, { ...e, deliveredRevision, activityId: e.activityId ?? activityId, lastSentAt: at, dueAt: nextDueAt, attempts: 0, status: e.wantedRevision > deliveredRevision ? 'pending' : 'delivered' });
  }
  forgetActivity(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    const { activityId: _forgotten, ...rest } = e;
    this.entries.set(id, { ...rest, deliveredRevision: 0 });
  }
  failConversation(conversationKey: string, error: string): number {
    let n = 0;
    for (const e of this.entries.values()) {
      if (e.conversationKey !== conversationKey || e.status !== 'pending') continue;
      this.entries.set(e.id, { ...e, status: 'failed', lastError: error });
      n += 1;
    }
    return n;
  }
  claim(id: string, holder: string, now: Date, until: Date): OutboxEntry | undefined {
    const e = this.entries.get(id);
    if (!e || claimedByOther(e, holder, now)) return undefined;
    const claimed = { ...e, claimedBy: holder, claimedUntil: until };
    this.entries.set(id, claimed);
    return claimed;
  }
  release(id: string, holder: string): void {
    const e = this.entries.get(id);
    if (!e || e.claimedBy !== holder) return;
    const { claimedBy: _holder, claimedUntil: _until, ...rest } = e;
    this.entries.set(id, rest);
  }
  reschedule(id: string, dueAt: Date, attempts: number, error: string): void {
    const e = this.entries.get(id);
    if (e) this.entries.set(id, { ...e, dueAt, attempts, lastError: error });
  }
  markFailed(id: string, error: string): void {
    const e = this.entries.get(id);
    if (e) this.entries.set(id, { ...e, status: 'failed', lastError: error });
  }
  depth(): number {
    return [...this.entries.values()].filter((e) => e.status === 'pending' && e.wantedRevision > e.deliveredRevision).length;
  }
  nextDueAt(): Date | undefined {
    return this.due(new Date(8.64e15), 1)[0]?.dueAt;
  }
  get(id: string): OutboxEntry | undefined {
    return this.entries.get(id);
  }
  all(): OutboxEntry[] {
    return [...this.entries.values()];
  }
}

export class MemorySubscriptionStore implements SubscriptionStore {
  private subs: Subscription[] = [];
  /** Subscribing again to a scope keeps the stored one (deliveries name its id) with the new reference and language, as SQLite does. */
  add(subscription: Subscription): void {
    const key = scopeKey(subscription.scope);
    const index = this.subs.findIndex((s) => s.conversationKey === subscription.conversationKey && scopeKey(s.scope) === key);
    const kept = this.subs[index];
    if (kept) this.subs[index] = { ...kept, conversationReference: subscription.conversationReference, language: subscription.language };
    else this.subs.push(subscription);
  }
  remove(conversationKey: string, key?: string): number {
    const before = this.subs.length;
    this.subs = this.subs.filter((s) => !(s.conversationKey === conversationKey && (key === undefined || scopeKey(s.scope) === key)));
    return before - this.subs.length;
  }
  listForConversation(conversationKey: string): Subscription[] {
    return this.subs.filter((s) => s.conversationKey === conversationKey);
  }
  list(): readonly Subscription[] {
    return this.subs;
  }
  listMatching(vault: AlertVault): Subscription[] {
    return this.subs.filter((s) => subscriptionMatches(s, vault));
  }
}

export class MemoryPollerWatermark implements PollerWatermarkStore {
  private readonly marks = new Map<string, Date>();
  private last: Date | undefined;
  get(vaultKey: string): Date | undefined {
    return this.marks.get(vaultKey);
  }
  set(vaultKey: string, at: Date): void {
    this.marks.set(vaultKey, at);
    this.last = new Date();
  }
  lastPollAt(): Date | undefined {
    return this.last;
  }
}
