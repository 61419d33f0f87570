import type { IdGenerator } from '../ports';
import type { BackupAlert, SenderTimeReplaced } from './backup-alert';
import { alertDedupeKey, earlierSlotDedupeKey, retriedAcrossSlots, vmKey } from './backup-alert';
import { type AlertTimeBounds, defaultAlertTimeBounds, withPlausibleTime } from './alert-time';
import { planDueAt } from './delivery-policy';
import { BatchIncidents } from './batch-incidents';
import { decideGroup } from './group-alert';
import type { IncidentHeader } from './incident';
import { groupingKey } from './incident';
import type { AlertInbox, IncidentStore, InboxEntry, Outbox, SubscriptionStore, UnitOfWork } from './ports';
import { isOpen, OpenIncidentsTally, type OpenIncidentsPlan } from './open-incidents';
import { matchingConversations, scopeKey, subscriptionMatches, type Subscription } from './subscription';

export interface AlertLedgerDeps {
  readonly unitOfWork: UnitOfWork;
  readonly inbox: AlertInbox;
  readonly incidents: IncidentStore;
  readonly outbox: Outbox;
  readonly subscriptions: SubscriptionStore;
  readonly ids: IdGenerator;
  readonly windowMs: number;
  readonly coalesceMs: number;
  /** Most cards one `subscribe` queues for incidents already open (default 20, the most recent). */
  readonly maxOpenCards?: number;
  /** Alert times outside these bounds around the time received are replaced by it (default: 5 minutes ahead, 24 hours old). */
  readonly alertTimes?: AlertTimeBounds;
}

/** Present when the alert's own time was implausible and the time received was used instead. */
interface TimeNote {
  readonly senderTimeReplaced?: SenderTimeReplaced;
}

export type AcceptOutcome =
  /** Stored and grouped: incidentId is where the VM now shows. */
  | ({ readonly kind: 'grouped'; readonly alertId: string; readonly incidentId: string; readonly changed: boolean; readonly opened: boolean } & TimeNote)
  /** Stored; its code needs the job (AzurePort), which happens after the 202. */
  | ({ readonly kind: 'pending'; readonly alertId: string } & TimeNote)
  /** Stored, but changes nothing (a recovery of a VM no incident holds). */
  | ({ readonly kind: 'ignored'; readonly alertId: string } & TimeNote)
  /** Seen before (same job, or same Azure Monitor alert): nothing new stored. */
  | { readonly kind: 'duplicate'; readonly alertId: string; readonly incidentId: string | null };

export interface AcceptInput {
  readonly alert: BackupAlert;
  /** The identified code; undefined when not known yet. */
  readonly code: string | undefined;
  /** The alert can still be identified from its job later (it has a job id and Azure is configured). */
  readonly awaitJob: boolean;
  readonly receivedAt: Date;
}

/**
 * Accepting alerts: inbox (deduplicated on job id) -> incident grouping (vault + code within
 * the window) -> VM lifecycle -> outbox plan for every matching conversation, all in one
 * transaction. Callers batch several alerts into one call (group commit).
 */
export class AlertLedger {
  constructor(private readonly deps: AlertLedgerDeps) {}

  acceptMany(inputs: readonly AcceptInput[]): AcceptOutcome[] {
    return this.deps.unitOfWork.run(() => {
      const batch = new BatchIncidents(this.deps.incidents);
      const outcomes = inputs.map((input) => this.acceptOne(input, batch));
      batch.finish((incident, at) => this.planDeliveries(incident, at));
      return outcomes;
    });
  }

  /**
   * Adds a subscription and, in the same transaction, queues a card for every open incident it
   * matches, so a channel that subscribes mid-storm sees what is going on now. The outbox holds one
   * entry per incident per conversation: an incident whose card is already there (or on its way,
   * e.g. after a second `subscribe`) is left alone, so nothing is posted twice.
   */
  subscribe(subscription: Subscription, now: Date): OpenIncidentsPlan {
    const { unitOfWork, subscriptions, incidents, outbox, windowMs } = this.deps;
    return unitOfWork.run(() => {
      subscriptions.add(subscription);
      // Subscribing again to the same scope keeps the stored row (and its id): deliveries name that one.
      const stored = subscriptions.listForConversation(subscription.conversationKey).find((s) => scopeKey(s.scope) === scopeKey(subscription.scope)) ?? subscription;
      const open = incidents
        .listOpen(new Date(now.getTime() - windowMs))
        .filter((incident) => isOpen(incident, now, windowMs) && subscriptionMatches(stored, incident.vault));
      const tally = new OpenIncidentsTally(open.length, this.deps.maxOpenCards);
      for (const incident of open) {
        const existing = outbox.find(incident.id, stored.conversationKey);
        if (!tally.shouldQueue(existing)) continue;
        outbox.upsert({
          ...(existing ? { id: existing.id } : {}),
          incidentId: incident.id,
          conversationKey: stored.conversationKey,
          subscriptionId: stored.id,
          wantedRevision: incident.revision,
          deliveredRevision: existing?.deliveredRevision ?? 0,
          ...(existing?.activityId ? { activityId: existing.activityId } : {}),
          dueAt: now,
          attempts: 0,
          ...(existing?.lastSentAt ? { lastSentAt: existing.lastSentAt } : {}),
          status: 'pending',
        });
      }
      return tally.plan();
    });
  }

  /** Groups an inbox entry that waited for its job (the processor calls this after the Azure lookup). */
  groupPending(entry: Pick<InboxEntry, 'id' | 'dedupeKey'>, alert: BackupAlert, code: string | null, now: Date): AcceptOutcome {
    return this.deps.unitOfWork.run(() => {
      const batch = new BatchIncidents(this.deps.incidents);
      const incidentId = this.group(alert, code, now, batch);
      batch.finish((incident, at) => this.planDeliveries(incident, at));
      this.deps.inbox.update(entry.dedupeKey, { status: incidentId ? 'grouped' : 'ignored', code, incidentId: incidentId?.id ?? null });
      return incidentId ? { kind: 'grouped', alertId: entry.id, incidentId: incidentId.id, changed: incidentId.changed, opened: incidentId.opened } : { kind: 'ignored', alertId: entry.id };
    });
  }

  private acceptOne(input: AcceptInput, batch: BatchIncidents): AcceptOutcome {
    const { code, awaitJob, receivedAt } = input;
    // The sender's own time identifies a retry of the same alert, so the key is taken before any replacement.
    const dedupeKey = alertDedupeKey(input.alert);
    const earlierKey = earlierSlotDedupeKey(input.alert);
    const existing = this.deps.inbox.find(dedupeKey) ?? (earlierKey === undefined ? undefined : retriedAcrossSlots(this.deps.inbox.find(earlierKey), receivedAt));
    if (existing) return { kind: 'duplicate', alertId: existing.id, incidentId: existing.incidentId };
    // Grouping must not follow a sender's wrong clock: an implausible time becomes the time received.
    const alert = withPlausibleTime(input.alert, receivedAt, this.deps.alertTimes ?? defaultAlertTimeBounds);
    const note: TimeNote = alert.senderTimeReplaced ? { senderTimeReplaced: alert.senderTimeReplaced } : {};
    const entry: InboxEntry = {
      id: this.deps.ids.next(),
      dedupeKey,
      alert,
      code: code ?? null,
      status: 'needs-job',
      incidentId: null,
      receivedAt,
    };
    if (code === undefined && awaitJob) {
      this.deps.inbox.insert(entry);
      return { kind: 'pending', alertId: entry.id, ...note };
    }
    const grouped = this.group(alert, code ?? null, receivedAt, batch);
    this.deps.inbox.insert({ ...entry, status: grouped ? 'grouped' : 'ignored', incidentId: grouped?.id ?? null });
    return grouped ? { kind: 'grouped', alertId: entry.id, incidentId: grouped.id, changed: grouped.changed, opened: grouped.opened, ...note } : { kind: 'ignored', alertId: entry.id, ...note };
  }

  /** Applies the alert to its incident (opening one if needed); undefined when it changes nothing. */
  private group(alert: BackupAlert, code: string | null, now: Date, batch: BatchIncidents): { id: string; changed: boolean; opened: boolean } | undefined {
    const { incidents, windowMs } = this.deps;
    const near = batch.near(groupingKey(alert, code), alert.occurredAt, windowMs);
    const vm = near ? incidents.getVm(near.id, vmKey(alert.vm)) : undefined;
    const decision = decideGroup({ alert, code, near, vm, windowMs, newId: () => this.deps.ids.next() });
    switch (decision.kind) {
      case 'ignored':
        return undefined;
      case 'stale':
        return { id: decision.incidentId, changed: false, opened: false };
      case 'change':
        batch.change(decision.header, decision.opened, decision.visible ? now : undefined);
        incidents.putVm(decision.header.id, decision.vm);
        return { id: decision.header.id, changed: decision.visible, opened: decision.opened };
    }
  }

  private planDeliveries(incident: IncidentHeader, now: Date): void {
    const { outbox, subscriptions, coalesceMs } = this.deps;
    for (const sub of matchingConversations(subscriptions.list(), incident.vault)) {
      const existing = outbox.find(incident.id, sub.conversationKey);
      const dueAt = planDueAt(existing, now, coalesceMs);
      outbox.upsert({
        ...(existing ? { id: existing.id } : {}),
        incidentId: incident.id,
        conversationKey: sub.conversationKey,
        subscriptionId: existing?.subscriptionId ?? sub.id,
        wantedRevision: incident.revision,
        deliveredRevision: existing?.deliveredRevision ?? 0,
        ...(existing?.activityId ? { activityId: existing.activityId } : {}),
        dueAt,
        attempts: existing?.status === 'pending' ? existing.attempts : 0,
        ...(existing?.lastSentAt ? { lastSentAt: existing.lastSentAt } : {}),
        status: 'pending',
      });
    }
  }
}
