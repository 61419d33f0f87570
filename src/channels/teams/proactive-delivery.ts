import { ActivityTypes, type CloudAdapter, type ConversationReference } from 'botbuilder';
import type { IncidentStore, Outbox, OutboxEntry, SubscriptionStore } from '../../core/incidents/ports';
import { ConversationRateLimiter, type RetryPolicy, defaultRetryPolicy, parseRetryAfter, retryableStatuses, retryDelayMs } from '../../core/incidents/delivery-policy';
import { type Incident } from '../../core/incidents/incident';
import { incidentCardData } from '../../core/incidents/incident-view';
import type { Language } from '../../core/knowledge/schema';
import type { Clock } from '../../core/ports';
import type { Logger } from '../../logger';
import type { AlertMetrics } from '../../server/health/metrics';
import { cardActivity } from './card-messenger';
import { type AdaptiveCardJson, renderCard } from './card-renderer';

/** Posts a card into a conversation, or replaces an earlier one; returns the message's activity id. */
export interface CardSender {
  deliver(reference: Partial<ConversationReference>, card: AdaptiveCardJson, activityId: string | undefined): Promise<string>;
}

/** Proactive sends through CloudAdapter.continueConversationAsync with the stored conversation reference. */
export function adapterCardSender(adapter: CloudAdapter, appId: string): CardSender {
  return {
    async deliver(reference, card, activityId) {
      let id = activityId;
      await adapter.continueConversationAsync(appId, reference, async (context) => {
        if (activityId) {
          await context.updateActivity({ ...cardActivity(card), type: ActivityTypes.Message, id: activityId, conversation: context.activity.conversation });
        } else {
          // The continuation event has an id of its own; left in place, botbuilder would send a threaded
          // reply to it (replyToActivity). An incident card is a new post (sendToConversation).
          context.activity.id = undefined;
          const response = await context.sendActivity(cardActivity(card));
          id = response?.id;
        }
      });
      if (!id) throw new Error('the channel returned no activity id for the new message');
      return id;
    },
  };
}

export interface DeliveryWorkerDeps {
  readonly outbox: Outbox;
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

/**
 * The outbox worker. Each due entry renders the incident's CURRENT state (so a storm's many
 * revisions become one card), then posts it, or updates the card it already posted. The new
 * activity id and the delivered revision are written together, so a restart never posts twice.
 * Per conversation: Teams' rate limits; 429/412/502/504 retried after Retry-After or backoff.
 */
export class DeliveryWorker {
  private readonly limiter: ConversationRateLimiter;
  private readonly retry: RetryPolicy;
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private pendingWake = false;

  constructor(private readonly deps: DeliveryWorkerDeps) {
    this.limiter = deps.limiter ?? new ConversationRateLimiter();
    this.retry = deps.retry ?? defaultRetryPolicy;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  /** New work was planned: scan now rather than at the next idle tick. */
  wake(): void {
    this.pendingWake = true;
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let processed = 0;
      try {
        processed = await this.runOnce();
      } catch (error) {
        this.deps.logger.error({ err: error }, 'outbox scan failed');
      }
      if (!this.running) break;
      if (processed > 0) continue;
      const next = this.deps.outbox.nextDueAt();
      const idle = this.deps.idleMs ?? 1_000;
      const wait = next ? Math.min(idle, Math.max(0, next.getTime() - this.deps.clock.now().getTime())) : idle;
      if (this.pendingWake) {
        this.pendingWake = false;
        if (wait === 0) continue;
      }
      await Promise.race([this.deps.sleep(Math.max(wait, 1)), new Promise<void>((resolve) => (this.wakeUp = resolve))]);
      this.wakeUp = undefined;
      this.pendingWake = false;
    }
  }

  /** One scan: delivers what is due now; conversations in parallel, each conversation in order. Returns how many were attempted. */
  async runOnce(): Promise<number> {
    const now = this.deps.clock.now();
    const due = this.deps.outbox.due(now, this.deps.batchSize ?? 100);
    const byConversation = new Map<string, OutboxEntry[]>();
    for (const e of due) byConversation.set(e.conversationKey, [...(byConversation.get(e.conversationKey) ?? []), e]);
    const counts = await Promise.all([...byConversation.entries()].map(([key, entries]) => this.deliverConversation(key, entries)));
    return counts.reduce((a, b) => a + b, 0);
  }

  private async deliverConversation(conversationKey: string, entries: OutboxEntry[]): Promise<number> {
    let attempted = 0;
    for (const [index, entry] of entries.entries()) {
      const now = this.deps.clock.now();
      const wait = this.limiter.delayMs(conversationKey, now.getTime());
      if (wait > 0) {
        // Over Teams' limit for this conversation: everything left waits for the window, without counting an attempt.
        for (const rest of entries.slice(index)) this.deps.outbox.reschedule(rest.id, new Date(now.getTime() + wait), rest.attempts, rest.lastError ?? 'rate limited');
        break;
      }
      attempted += 1;
      await this.deliverOne(entry, now);
    }
    return attempted;
  }

  private async deliverOne(entry: OutboxEntry, now: Date): Promise<void> {
    const { outbox, incidents, subscriptions, metrics, logger } = this.deps;
    const incident = incidents.get(entry.incidentId);
    const subscription =
      subscriptions.list().find((s) => s.id === entry.subscriptionId) ?? subscriptions.listForConversation(entry.conversationKey)[0];
    if (!incident || !subscription) {
      outbox.markFailed(entry.id, !incident ? 'incident not found' : 'conversation unsubscribed');
      return;
    }
    const card = this.render(incident, subscription.language);
    this.limiter.record(entry.conversationKey, now.getTime());
    try {
      const activityId = await this.deps.sender.deliver(subscription.conversationReference as Partial<ConversationReference>, card, entry.activityId);
      const at = this.deps.clock.now();
      outbox.markDelivered(entry.id, incident.revision, activityId, at, new Date(at.getTime() + this.deps.coalesceMs));
      metrics?.deliveries.inc({ kind: entry.activityId ? 'update' : 'create' });
    } catch (error) {
      const { status, retryAfterMs } = failureOf(error, this.deps.clock.now());
      const attempts = entry.attempts + 1;
      const message = `${status ?? 'error'}: ${(error as Error)?.message ?? String(error)}`;
      if (status !== undefined && retryableStatuses.has(status) && attempts < this.retry.maxAttempts) {
        const delay = retryDelayMs(attempts, retryAfterMs, this.deps.random, this.retry);
        outbox.reschedule(entry.id, new Date(this.deps.clock.now().getTime() + delay), attempts, message);
        metrics?.deliveryRetries.inc({ status: String(status) });
        logger.warn({ outboxId: entry.id, status, delay, attempts }, 'delivery will be retried');
      } else if (status === undefined && attempts < this.retry.maxAttempts) {
        // No status: the connector was unreachable (network). Back off like a 5xx.
        const delay = retryDelayMs(attempts, undefined, this.deps.random, this.retry);
        outbox.reschedule(entry.id, new Date(this.deps.clock.now().getTime() + delay), attempts, message);
        metrics?.deliveryRetries.inc({ status: 'network' });
      } else {
        outbox.markFailed(entry.id, message);
        metrics?.deliveryFailures.inc();
        logger.error({ outboxId: entry.id, status, err: error }, 'delivery failed for good');
      }
    }
  }

  render(incident: Incident, language: Language): AdaptiveCardJson {
    const catalogueMessage = incident.code ? this.deps.catalogueMessage?.(incident.code, language) : undefined;
    return renderCard('incident', incidentCardData(incident, language, catalogueMessage ? { catalogueMessage } : {}));
  }
}
