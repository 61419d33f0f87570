import type { IncidentHeader, IncidentVm, Incident } from './incident';
import type { AlertInbox, IncidentStore, InboxEntry, InboxStatus, Outbox, OutboxEntry, SubscriptionStore, UnitOfWork } from './ports';
import type { Subscription } from './subscription';
import { scopeKey } from './subscription';

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
    return [...this.byId.values()].filter((e) => e.status === status).slice(0, limit);
  }
  update(id: string, changes: { status: InboxStatus; code: string | null; incidentId: string | null }): void {
    const e = this.byId.get(id);
    if (!e) return;
    const next = { ...e, ...changes };
    this.byId.set(id, next);
    this.byKey.set(e.dedupeKey, next);
  }
  count(): number {
    return this.byId.size;
  }
}

export class MemoryOutbox implements Outbox {
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
  due(now: Date, limit: number): OutboxEntry[] {
    return [...this.entries.values()]
      .filter((e) => e.status === 'pending' && e.wantedRevision > e.deliveredRevision && e.dueAt <= now)
      .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime())
      .slice(0, limit);
  }
  markDelivered(id: string, revision: number, activityId: string, at: Date, nextDueAt: Date): void {
    const e = this.entries.get(id);
    if (!e) return;
    const deliveredRevision = Math.max(e.deliveredRevision, revision);
    this.entries.set(id, { ...e, deliveredRevision, activityId, lastSentAt: at, dueAt: nextDueAt, attempts: 0, status: e.wantedRevision > deliveredRevision ? 'pending' : 'delivered' });
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
  add(subscription: Subscription): void {
    this.remove(subscription.conversationKey, scopeKey(subscription.scope));
    this.subs.push(subscription);
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
}
