import { ActivityTypes, type CloudAdapter, type ConversationReference } from 'botbuilder';
import type { DeliveryOutbox, IncidentStore, OutboxEntry, SubscriptionStore } from '../../core/incidents/ports';
import { ConversationRateLimiter, type RetryPolicy, defaultRetryPolicy, parseRetryAfter, retryableStatuses, retryDelayMs, tooLargeStatus } from '../../core/incidents/delivery-policy';
import { type Incident } from '../../core/incidents/incident';
import { incidentCardData } from '../../core/incidents/incident-view';
import type { Language } from '../../core/knowledge/schema';
import type { Clock } from '../../core/ports';
import type { Logger } from '../../logger';
import type { AlertMetrics } from '../../server/health/metrics';
import { cardActivity } from './card-messenger';
import { type AdaptiveCardJson, renderCard } from './card-renderer';
import { fitCard, sendFitted } from './fit-card';

/** Microsoft Learn's page of VM backup errors, their messages and causes. */
const vmBackupTroubleshootingUrl = 'https://learn.microsoft.com/azure/backup/backup-azure-vms-troubleshoot';

/** Posts a card into a conversation, or replaces an earlier one; returns the message's activity id. */
export interface CardSender {
  deliver(reference: Partial<ConversationReference>, card: AdaptiveCardJson, activityId: string | undefined): Promise<string>;
}

/**
 * Proactive sends through CloudAdapter.continueConversationAsync with the stored conversation reference.
 * A refused call throws the connector's RestError (statusCode, Retry-After) to the caller.
 */
export function adapterCardSender(adapter: CloudAdapter, appId: string): CardSender {
  return {
    async deliver(reference, card, activityId) {
      let id = activityId;
      // An error thrown inside the continuation goes to adapter.onTurnError, which logs it and carries on:
      // the caller would see a success (a deleted card "updated", a 429 "sent"). It is kept and thrown here.
      let failure: { error: unknown } | undefined;
      await adapter.continueConversationAsync(appId, reference, async (context) => {
        try {
          // A card the channel refuses as too large (413) is shortened and sent again, never dropped.
          if (activityId) {
            await sendFitted(card, (fitted) => context.updateActivity({ ...cardActivity(fitted), type: ActivityTypes.Message, id: activityId, conversation: context.activity.conversation }));
          } else {
            // The continuation event has an id of its own; left in place, botbuilder would send a threaded
            // reply to it (replyToActivity). An incident card is a new post (sendToConversation).
            context.activity.id = undefined;
            const response = await sendFitted(card, (fitted) => context.sendActivity(cardActivity(fitted)));
            id = response?.id;
          }
        } catch (error) {
          failure = { error };
        }
      });
      if (failure) throw failure.error;
      if (!id) throw new Error('the channel returned no activity id for the new message');
      return id;
    },
  };
}

export interface DeliveryWorkerDeps {
  readonly outbox: DeliveryOutbox;
  readonly incidents: IncidentStore;
  readonly subscriptions: SubscriptionStore;
  readonly sender: CardSender;
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly logger: Logger;
  readonly metrics?: AlertMetrics;
  readonly coalesceMs: number;
  readonly retry?: RetryPolicy;
  readonly limiter?: ConversationRateLimiter;
  /** The catalogue's message for a code, when an alert carried none. */
  readonly catalogueMessage?: (code: string, language: Language) => string | undefined;
  /** Longest idle wait between outbox scans when nothing is due (a wake() cuts it short). */
  readonly idleMs?: number;
  readonly batchSize?: number;
  /** Longest wait for one connector call; a slower one is retried later (its late answer is still recorded). Default 30 s. */
  readonly sendTimeoutMs?: number;
  /** Backoff of the worker loop after a failed scan (store unreachable): exponential with jitter up to maxDelayMs. */
  readonly loopRetry?: RetryPolicy;
}

/** The HTTP status of a failed connector call (RestError and its compat wrappers). */
function failureOf(error: unknown, now: Date): { status?: number; retryAfterMs?: number } {
  const e = error as { statusCode?: number; status?: number; response?: { status?: number; headers?: { get?: (n: string) => string | undefined | null } & Record<string, unknown> } };
  const status = e?.statusCode ?? e?.status ?? e?.response?.status;
  const headers = e?.response?.headers;
  const raw = typeof headers?.get === 'function' ? headers.get('retry-after') : (headers?.['retry-after'] as string | undefined);
  const retryAfterMs = parseRetryAfter(raw ?? undefined, now);
  return { ...(typeof status === 'number' ? { status } : {}), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}

/** One connector call's result. A timeout is not a failure of the card: the call may still land. */
type Attempt =
  | { readonly ok: true; readonly activityId: string }
  | { readonly ok: false; readonly error: unknown; readonly status?: number; readonly retryAfterMs?: number; readonly timedOut?: boolean };

/** A card the channel has (created or updated) whose outbox write did not happen yet. */
interface Sent {
  readonly activityId: string;
  readonly revision: number;
  readonly at: Date;
}

const defaultLoopRetry: RetryPolicy = { baseDelayMs: 1_000, maxDelayMs: 60_000, maxAttempts: Number.POSITIVE_INFINITY };

/**
 * The outbox worker. Each due entry renders the incident's CURRENT state (so a storm's many
 * revisions become one card), then posts it, or updates the card it already posted. The new
 * activity id and the delivered revision are written together, so a restart never posts twice.
 * Per conversation: Teams' rate limits; 429/412/502/504 retried after Retry-After or backoff.
 *
 * Each conversation is a lane of its own: a slow or hanging connector call holds up only its
 * conversation, and every call has a timeout. Only the connector call is retried as a send; a store
 * failure after a successful send keeps the card's id in memory, so the next attempt updates it.
 */
export class DeliveryWorker {
  private readonly limiter: ConversationRateLimiter;
  private readonly retry: RetryPolicy;
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  /** Conversations being delivered to now, with the lane doing it. */
  private readonly lanes = new Map<string, Promise<number>>();
  /** Outbox entries whose connector call timed out but may still answer: not sent again until it settles. */
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Outbox entries sent whose store write failed: recorded again before the next scan. */
  private readonly unrecorded = new Map<string, Sent>();

  constructor(private readonly deps: DeliveryWorkerDeps) {
    this.limiter = deps.limiter ?? new ConversationRateLimiter();
    this.retry = deps.retry ?? defaultRetryPolicy;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops the loop and waits for the sends under way (each bounded by the send timeout). */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    await Promise.all(this.lanes.values());
    if (this.inFlight.size > 0) {
      // Late answers of timed-out calls: wait a little for them, so their card ids are recorded before the store closes.
      await Promise.race([Promise.all(this.inFlight.values()), this.deps.sleep(this.deps.sendTimeoutMs ?? 30_000)]);
    }
  }

  /** New work was planned: scan now rather than at the next idle tick. */
  wake(): void {
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      // Armed before the scan, so a wake() during it is not lost.
      const woken = new Promise<void>((resolve) => (this.wakeUp = resolve));
      let wait: number;
      try {
        const started = this.scan();
        const idle = this.deps.idleMs ?? 1_000;
        const next = this.deps.outbox.nextDueAt();
        wait = next ? Math.min(idle, Math.max(0, next.getTime() - this.deps.clock.now().getTime())) : idle;
        // Due entries whose conversation is busy (or whose call is in flight): the lane's end wakes us.
        if (wait === 0 && started.length === 0) wait = Math.min(idle, 250);
        failures = 0;
      } catch (error) {
        failures += 1;
        wait = retryDelayMs(failures, undefined, this.deps.random, this.deps.loopRetry ?? defaultLoopRetry);
        this.deps.logger.error({ err: error, failures, retryInMs: wait }, 'outbox scan failed; retrying');
      }
      if (!this.running) break;
      await Promise.race([this.deps.sleep(Math.max(wait, 1)), woken]);
      this.wakeUp = undefined;
    }
  }

  /**
   * One scan, driven by hand in tests: delivers what is due now (conversations in parallel, each
   * conversation in order) and waits for those deliveries. Returns how many sends were attempted.
   * Throws when the store cannot be read.
   */
  async runOnce(): Promise<number> {
    const counts = await Promise.all(this.scan());
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Records what was sent but not written, then starts a lane for each due conversation not already busy. */
  private scan(): Promise<number>[] {
    for (const [id, sent] of this.unrecorded) {
      this.deps.outbox.markDelivered(id, sent.revision, sent.activityId, sent.at, new Date(sent.at.getTime() + this.deps.coalesceMs));
      this.unrecorded.delete(id);
    }
    const now = this.deps.clock.now();
    const due = this.deps.outbox.due(now, this.deps.batchSize ?? 100, [...this.lanes.keys()]);
    const byConversation = new Map<string, OutboxEntry[]>();
    for (const e of due) {
      if (this.inFlight.has(e.id) || this.lanes.has(e.conversationKey)) continue;
      byConversation.set(e.conversationKey, [...(byConversation.get(e.conversationKey) ?? []), e]);
    }
    const started: Promise<number>[] = [];
    for (const [key, entries] of byConversation) {
      const lane = this.deliverConversation(key, entries).finally(() => {
        this.lanes.delete(key);
        this.wake();
      });
      this.lanes.set(key, lane);
      started.push(lane);
    }
    return started;
  }

  /** One conversation's due entries, in order. Never rejects: a store error is logged and the entry retried later. */
  private async deliverConversation(conversationKey: string, entries: OutboxEntry[]): Promise<number> {
    let attempted = 0;
    for (const [index, entry] of entries.entries()) {
      try {
        const now = this.deps.clock.now();
        const wait = this.limiter.delayMs(conversationKey, now.getTime());
        if (wait > 0) {
          // Over Teams' limit for this conversation: everything left waits for the window, without counting an attempt.
          for (const rest of entries.slice(index)) this.deps.outbox.reschedule(rest.id, new Date(now.getTime() + wait), rest.attempts, rest.lastError ?? 'rate limited');
          break;
        }
        attempted += 1;
        if ((await this.deliverOne(entry, now)) === 'conversation-closed') break;
      } catch (error) {
        this.deps.logger.error({ err: error, outboxId: entry.id, conversationKey }, 'delivery bookkeeping failed; the entry will be retried');
        this.tryReschedule(entry, error);
      }
    }
    return attempted;
  }

  private tryReschedule(entry: OutboxEntry, error: unknown): void {
    try {
      const delay = retryDelayMs(entry.attempts + 1, undefined, this.deps.random, this.retry);
      this.deps.outbox.reschedule(entry.id, new Date(this.deps.clock.now().getTime() + delay), entry.attempts, `store: ${(error as Error)?.message ?? String(error)}`);
    } catch {
      // The store is down: the entry stays due and the loop backs off on its next scan.
    }
  }

  private async deliverOne(entry: OutboxEntry, now: Date): Promise<'done' | 'conversation-closed'> {
    const { outbox, incidents, subscriptions, metrics, logger } = this.deps;
    const incident = incidents.get(entry.incidentId);
    const subscription =
      subscriptions.list().find((s) => s.id === entry.subscriptionId) ?? subscriptions.listForConversation(entry.conversationKey)[0];
    if (!incident || !subscription) {
      outbox.markFailed(entry.id, !incident ? 'incident not found' : 'conversation unsubscribed');
      return 'done';
    }
    const card = this.render(incident, subscription.language);
    const reference = subscription.conversationReference as Partial<ConversationReference>;
    // A card sent earlier whose id the store did not take yet is updated, never posted again.
    const known = entry.activityId ?? this.unrecorded.get(entry.id)?.activityId;
    this.limiter.record(entry.conversationKey, now.getTime());
    let attempt = await this.send(entry, incident.revision, reference, card, known);
    let created = known === undefined;
    if (!attempt.ok && known !== undefined && attempt.status === 404) {
      // Someone deleted the card: forget it and post a new one (once; a failure of that post is retried as a create).
      logger.warn({ outboxId: entry.id, incidentId: entry.incidentId, conversationKey: entry.conversationKey }, 'the incident card was deleted in the channel; posting a new one');
      outbox.forgetActivity(entry.id);
      this.unrecorded.delete(entry.id);
      created = true;
      this.limiter.record(entry.conversationKey, this.deps.clock.now().getTime());
      attempt = await this.send(entry, incident.revision, reference, card, undefined);
    }
    if (!attempt.ok) return this.failed(entry, attempt);
    metrics?.deliveries.inc({ kind: created ? 'create' : 'update' });
    this.record(entry, { activityId: attempt.activityId, revision: incident.revision, at: this.deps.clock.now() });
    return 'done';
  }

  /** Writes a delivery; if the store fails, the card's id is kept in memory and written before the next scan. */
  private record(entry: OutboxEntry, sent: Sent): void {
    if (entry.pendingSince) this.deps.metrics?.acceptedToPosted.observe(Math.max(0, sent.at.getTime() - entry.pendingSince.getTime()) / 1000);
    try {
      this.deps.outbox.markDelivered(entry.id, sent.revision, sent.activityId, sent.at, new Date(sent.at.getTime() + this.deps.coalesceMs));
      this.unrecorded.delete(entry.id);
    } catch (error) {
      this.unrecorded.set(entry.id, sent);
      this.deps.logger.error({ err: error, outboxId: entry.id, activityId: sent.activityId }, 'card delivered but not recorded; keeping its id to record it again (no second post)');
    }
  }

  /** The connector call alone, with a timeout. A call that times out is left to finish; its answer is recorded then. */
  private async send(entry: OutboxEntry, revision: number, reference: Partial<ConversationReference>, card: AdaptiveCardJson, activityId: string | undefined): Promise<Attempt> {
    const timeoutMs = this.deps.sendTimeoutMs ?? 30_000;
    const call = this.deps.sender.deliver(reference, card, activityId);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
      timer.unref();
    });
    try {
      const first = await Promise.race([call, timeout]);
      if (first !== 'timeout') return { ok: true, activityId: first };
      this.inFlight.set(entry.id, this.settleLate(entry, revision, call, activityId));
      return { ok: false, error: new Error(`the connector did not answer within ${timeoutMs} ms`), timedOut: true };
    } catch (error) {
      return { ok: false, error, ...failureOf(error, this.deps.clock.now()) };
    } finally {
      clearTimeout(timer);
    }
  }

  /** A timed-out call that answers after all: a created card's id must be kept, or a retry would post a second card. */
  private async settleLate(entry: OutboxEntry, revision: number, call: Promise<string>, activityId: string | undefined): Promise<void> {
    try {
      const id = await call;
      this.deps.metrics?.deliveries.inc({ kind: activityId ? 'update' : 'create' });
      this.record(entry, { activityId: id, revision, at: this.deps.clock.now() });
      this.deps.logger.info({ outboxId: entry.id, activityId: id }, 'a timed-out delivery answered late; recorded');
    } catch {
      // It failed after all: the retry scheduled at the timeout stands.
    } finally {
      this.inFlight.delete(entry.id);
      this.wake();
    }
  }

  private failed(entry: OutboxEntry, attempt: Extract<Attempt, { ok: false }>): 'done' | 'conversation-closed' {
    const { outbox, metrics, logger } = this.deps;
    const { status, retryAfterMs, error } = attempt;
    const attempts = entry.attempts + 1;
    const message = `${attempt.timedOut ? 'timeout' : (status ?? 'error')}: ${(error as Error)?.message ?? String(error)}`;
    if (status === 403) {
      // The bot was removed from the team (or lost the right to post): nothing here can succeed until it is back.
      const reason = '403 Forbidden: the bot may no longer post in this conversation (removed from the team?). Add it again and subscribe to resume.';
      const dropped = outbox.failConversation(entry.conversationKey, reason);
      metrics?.deliveryFailures.inc(Math.max(1, dropped));
      logger.error({ conversationKey: entry.conversationKey, subscriptionId: entry.subscriptionId, dropped }, `incident deliveries to this conversation stopped: ${reason}`);
      return 'conversation-closed';
    }
    const transient = status === undefined || retryableStatuses.has(status) || status === tooLargeStatus;
    if (transient && attempts < this.retry.maxAttempts) {
      // No status: the connector was unreachable or too slow. Back off like a 5xx.
      const delay = retryDelayMs(attempts, status === undefined ? undefined : retryAfterMs, this.deps.random, this.retry);
      outbox.reschedule(entry.id, new Date(this.deps.clock.now().getTime() + delay), attempts, message);
      const label = attempt.timedOut ? 'timeout' : status === undefined ? 'network' : String(status);
      metrics?.deliveryRetries.inc({ status: label });
      logger.warn({ outboxId: entry.id, status: label, delay, attempts }, 'delivery will be retried');
    } else {
      outbox.markFailed(entry.id, message);
      metrics?.deliveryFailures.inc();
      logger.error({ outboxId: entry.id, status, err: error }, 'delivery failed for good');
    }
    return 'done';
  }

  render(incident: Incident, language: Language): AdaptiveCardJson {
    const catalogueMessage = incident.code ? this.deps.catalogueMessage?.(incident.code, language) : undefined;
    // Without the catalogue (no lookup configured) a code is taken as known; with it, an unknown code gets no Troubleshoot buttons.
    const troubleshootable = incident.code !== null && (this.deps.catalogueMessage === undefined || catalogueMessage !== undefined);
    const card = renderCard('incident', incidentCardData(incident, language, { troubleshootable, ...(catalogueMessage ? { catalogueMessage } : {}) }));
    // Azure's description and resource names are unbounded: a card cut to fit links to where these errors are documented.
    return fitCard(card, { more: { url: vmBackupTroubleshootingUrl, label: language === 'en' ? 'Read more' : 'Więcej' } });
  }
}
