import { CodedError } from '../errors';
import type { IdGenerator } from '../ports';
import type { AcceptInput, AcceptOutcome } from './accept-alert';
import type { AlertAcceptor } from './alert-acceptor';
import { type AlertTimeBounds, defaultAlertTimeBounds, withPlausibleTime } from './alert-time';
import { alertDedupeKey, earlierSlotDedupeKey, retriedAcrossSlots, vmKey, type BackupAlert } from './backup-alert';
import { planDueAt } from './delivery-policy';
import { decideGroup } from './group-alert';
import { groupingKey, type IncidentHeader } from './incident';
import { isOpen, OpenIncidentsTally, type OpenIncidentsPlan } from './open-incidents';
import type { InboxEntry, OutboxEntry, OutboxPlan, SharedStateStores } from './ports';
import { subscriptionMatches, type Subscription } from './subscription';

export interface SharedAlertLedgerDeps {
  readonly stores: Pick<SharedStateStores, 'inbox' | 'incidents' | 'outbox' | 'subscriptions'>;
  readonly ids: IdGenerator;
  readonly windowMs: number;
  readonly coalesceMs: number;
  /** Most cards one `subscribe` queues for incidents already open (default 20, the most recent). */
  readonly maxOpenCards?: number;
  /** Alert times outside these bounds around the time received are replaced by it (default: 5 minutes ahead, 24 hours old). */
  readonly alertTimes?: AlertTimeBounds;
  /** Groups of one batch accepted at once (default 16): each is a few round trips to the store. */
  readonly concurrency?: number;
}

/** A group is decided again this often when other instances keep committing first (a storm on one vault and code). */
const MAX_GROUP_ATTEMPTS = 50;

/**
 * Accepting alerts over the shared-state ports, for several instances on one store (Azure
 * Storage). There is no transaction around the steps, so each is safe to repeat:
 * 1. a stored dedupe key answers "duplicate" at once;
 * 2. grouping reads the group, decides (decideGroup) and commits with a compare-and-swap,
 *    deciding again when another instance committed first: one incident per vault and code;
 * 3. every conversation that should see the incident gets its revision planned, raising the
 *    wanted revision only (so planning again, after a crash or a race, changes nothing);
 * 4. the inbox entry is created last, create-only; the instance that loses answers "duplicate".
 * A crash before 4 sends no 202, so the sender retries, and the retry's grouping is a "touch".
 */
export class SharedAlertLedger implements AlertAcceptor {
  constructor(private readonly deps: SharedAlertLedgerDeps) {}

  /**
   * Alerts of one group one after the other (they would only race each other for its head),
   * the groups of a batch side by side, a few at a time.
   */
  async acceptMany(inputs: readonly AcceptInput[]): Promise<AcceptOutcome[]> {
    const outcomes: AcceptOutcome[] = new Array<AcceptOutcome>(inputs.length);
    const lanes = new Map<string, number[]>();
    inputs.forEach((input, index) => {
      const key = groupingKey(input.alert, input.code ?? null);
      lanes.set(key, [...(lanes.get(key) ?? []), index]);
    });
    const queue = [...lanes.values()];
    const worker = async (): Promise<void> => {
      for (let lane = queue.shift(); lane; lane = queue.shift()) {
        for (const index of lane) outcomes[index] = await this.accept(inputs[index] as AcceptInput);
      }
    };
    await Promise.all(Array.from({ length: Math.min(queue.length, this.deps.concurrency ?? 16) }, worker));
    return outcomes;
  }

  async accept(input: AcceptInput): Promise<AcceptOutcome> {
    const { code, awaitJob, receivedAt } = input;
    const { inbox } = this.deps.stores;
    // The sender's own time identifies a retry of the same alert, so the key is taken before any replacement.
    const dedupeKey = alertDedupeKey(input.alert);
    const earlierKey = earlierSlotDedupeKey(input.alert);
    const seen = (await inbox.find(dedupeKey)) ?? (earlierKey === undefined ? undefined : retriedAcrossSlots(await inbox.find(earlierKey), receivedAt));
    if (seen) return { kind: 'duplicate', alertId: seen.id, incidentId: seen.incidentId };
    // Grouping must not follow a sender's wrong clock: an implausible time becomes the time received.
    const alert = withPlausibleTime(input.alert, receivedAt, this.deps.alertTimes ?? defaultAlertTimeBounds);
    const note = alert.senderTimeReplaced ? { senderTimeReplaced: alert.senderTimeReplaced } : {};
    const entry: InboxEntry = { id: this.deps.ids.next(), dedupeKey, alert, code: code ?? null, status: 'needs-job', incidentId: null, receivedAt };
    if (code === undefined && awaitJob) {
      const stored = await inbox.insert(entry);
      return stored.inserted ? { kind: 'pending', alertId: entry.id, ...note } : { kind: 'duplicate', alertId: stored.entry.id, incidentId: stored.entry.incidentId };
    }
    const grouped = await this.group(alert, code ?? null, receivedAt);
    const stored = await inbox.insert({ ...entry, status: grouped ? 'grouped' : 'ignored', incidentId: grouped?.id ?? null });
    if (!stored.inserted) return { kind: 'duplicate', alertId: stored.entry.id, incidentId: stored.entry.incidentId };
    return grouped ? { kind: 'grouped', alertId: entry.id, incidentId: grouped.id, changed: grouped.changed, opened: grouped.opened, ...note } : { kind: 'ignored', alertId: entry.id, ...note };
  }

  /** Groups an inbox entry that waited for its job; on two instances at once, both group (the second is a touch) and one moves the entry on. */
  async groupPending(entry: InboxEntry, alert: BackupAlert, code: string | null, now: Date): Promise<AcceptOutcome> {
    const grouped = await this.group(alert, code, now);
    await this.deps.stores.inbox.update(entry.dedupeKey, 'needs-job', { status: grouped ? 'grouped' : 'ignored', code, incidentId: grouped?.id ?? null });
    return grouped ? { kind: 'grouped', alertId: entry.id, incidentId: grouped.id, changed: grouped.changed, opened: grouped.opened } : { kind: 'ignored', alertId: entry.id };
  }

  /**
   * Adds a subscription and queues a card for every open incident it matches (the most recent
   * `maxOpenCards`). An incident whose card the conversation has, or is about to get, is left alone.
   */
  async subscribe(subscription: Subscription, now: Date): Promise<OpenIncidentsPlan> {
    const { subscriptions, incidents, outbox } = this.deps.stores;
    const { windowMs } = this.deps;
    const stored = await subscriptions.add(subscription);
    const open = (await incidents.listOpen(new Date(now.getTime() - windowMs))).filter((incident) => isOpen(incident, now, windowMs) && subscriptionMatches(stored, incident.vault));
    const tally = new OpenIncidentsTally(open.length, this.deps.maxOpenCards);
    for (const incident of open) {
      if (!tally.shouldQueue(await outbox.find(incident.id, stored.conversationKey))) continue;
      await outbox.plan(incident.id, stored.conversationKey, now, (current) =>
        current && current.status !== 'failed' ? undefined : { subscriptionId: stored.id, wantedRevision: incident.revision, dueAt: now, attempts: 0, status: 'pending' },
      );
    }
    return tally.plan();
  }

  private async group(alert: BackupAlert, code: string | null, now: Date): Promise<{ id: string; changed: boolean; opened: boolean } | undefined> {
    const { incidents } = this.deps.stores;
    const key = groupingKey(alert, code);
    for (let attempt = 0; attempt < MAX_GROUP_ATTEMPTS; attempt++) {
      const read = await incidents.readGroup(key, vmKey(alert.vm), alert.occurredAt, this.deps.windowMs);
      const decision = decideGroup({ alert, code, near: read.near, vm: read.vm, windowMs: this.deps.windowMs, newId: () => this.deps.ids.next() });
      if (decision.kind === 'ignored') return undefined;
      if (decision.kind === 'stale') return { id: decision.incidentId, changed: false, opened: false };
      if (await incidents.commit(read, { header: decision.header, vm: decision.vm })) {
        await this.planDeliveries(decision.header, now);
        return { id: decision.header.id, changed: decision.visible, opened: decision.opened };
      }
    }
    throw new CodedError('store_conflict', `Incident group ${key} kept changing; the alert was not grouped`, { groupKey: key });
  }

  /** Every matching conversation wants at least this revision; planned again, it changes nothing. */
  private async planDeliveries(incident: IncidentHeader, now: Date): Promise<void> {
    const { outbox, subscriptions } = this.deps.stores;
    const byConversation = new Map<string, Subscription>();
    for (const s of await subscriptions.listMatching(incident.vault)) if (!byConversation.has(s.conversationKey)) byConversation.set(s.conversationKey, s);
    const plan = (sub: Subscription) => (existing: OutboxEntry | undefined): OutboxPlan | undefined =>
      existing && existing.wantedRevision >= incident.revision
        ? undefined
        : {
            subscriptionId: sub.id,
            wantedRevision: incident.revision,
            dueAt: planDueAt(existing, now, this.deps.coalesceMs),
            attempts: existing?.status === 'pending' ? existing.attempts : 0,
            status: 'pending',
          };
    await Promise.all([...byConversation.values()].map((sub) => outbox.plan(incident.id, sub.conversationKey, now, plan(sub))));
  }
}
