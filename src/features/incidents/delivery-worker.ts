import { randomUUID } from 'node:crypto';
import type { OutboxEntry, SharedIncidentStore, SharedOutbox, SharedSubscriptionStore } from '../../core/incidents/ports';
import type { Subscription } from '../../core/incidents/subscription';
import { ConversationRateLimiter, type RetryPolicy, defaultRetryPolicy, retryableStatuses, retryDelayMs, tooLargeStatus } from '../../core/incidents/delivery-policy';
import { channelFailureOf } from '../channel-failure';
import { type Incident } from '../../core/incidents/incident';
import { type IncidentCardData, incidentCardData } from '../../core/incidents/incident-view';
import type { Language } from '../../core/knowledge/schema';
import type { Clock } from '../../core/ports';
import type { Logger } from '../../logger';
import { type ChannelName, channelOfConversation } from '../interaction';

/**
 * Posts an incident's message into a subscribed conversation, or replaces the one posted there
 * (`messageId`); returns the message's id. Each channel renders the view its own way. A refused
 * call throws an error carrying the channel's HTTP-like `statusCode` (403: may no longer post
 * there; 404: the message is gone; 413: too large; 429 with Retry-After: slow down), which
 * the worker retries, reposts or gives up on.
 */
export interface IncidentSender {
  deliver(subscription: Subscription, view: IncidentCardData, language: Language, messageId: string | undefined): Promise<string>;
}

/**
 * One sender and one rate limit per channel: the subscription's stored reference says which
 * (`channelId`, as Bot Framework names channels), and the channel's own limits apply to each
 * of its conversations.
 */
export class IncidentSenders implements IncidentSender {
  private readonly byChannel = new Map<string, { readonly sender: IncidentSender; readonly limiter: ConversationRateLimiter }>();

  register(channel: ChannelName, sender: IncidentSender, limiter: ConversationRateLimiter): void {
    this.byChannel.set(channel, { sender, limiter });
  }

  limiterFor(conversationKey: string): ConversationRateLimiter | undefined {
    return this.byChannel.get(channelOfConversation(conversationKey))?.limiter;
  }

  async deliver(subscription: Subscription, view: IncidentCardData, language: Language, messageId: string | undefined): Promise<string> {
    const channel = channelOfConversation(subscription.conversationKey);
    const entry = this.byChannel.get(channel);
    if (!entry) throw Object.assign(new Error(`${channel} is not configured: its incident messages cannot be sent`), { statusCode: 403 });
    return entry.sender.deliver(subscription, view, language, messageId);
  }
}

/** The delivery's figures (Prometheus counters in production, see src/server/health/metrics.ts). */
export interface DeliveryMetrics {
  readonly deliveries: { inc(labels: { kind: 'create' | 'update' }): void };
  readonly deliveryRetries: { inc(labels: { status: string }): void };
  readonly deliveryFailures: { inc(value?: number): void };
  readonly acceptedToPosted: { observe(seconds: number): void };
}

export interface DeliveryWorkerDeps {
  /** Shared by every instance on one store: an entry is sent only by the worker holding its claim. */
  readonly outbox: SharedOutbox;
  readonly incidents: Pick<SharedIncidentStore, 'get'>;
  readonly subscriptions: Pick<SharedSubscriptionStore, 'listForConversation'>;
  readonly sender: IncidentSender & { limiterFor?(conversationKey: string): ConversationRateLimiter | undefined };
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly logger: Logger;
  readonly metrics?: DeliveryMetrics;
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
  /** This worker's name on the outbox entries it claims (default: a fresh id per worker). */
  readonly holder?: string;
  /** Backoff of the worker loop after a failed scan (store unreachable): exponential with jitter up to maxDelayMs. */
  readonly loopRetry?: RetryPolicy;
}

/** One connector call's result. A timeout is not a failure of the card: the call may still land. */
type Attempt =
  | { readonly ok: true; readonly activityId: string }
  | { readonly ok: false; readonly error: unknown; readonly status?: number; readonly retryAfterMs?: number; readonly timedOut?: boolean };

/**
 * How a send left its conversation: go on with the next entry; stop (the bot may no longer post
 * there); or wait (the channel throttled it, and its Retry-After holds for every message there).
 */
type DeliveryOutcome = 'done' | 'conversation-closed' | 'conversation-throttled';

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
 * activity id and the delivered revision are written together, so a restart never posts twice,
 * except a card whose post the channel had answered when the process died before that write: it is
 * posted again (at least once; the channels cannot be asked whether a post landed).
 * Per conversation: Teams' rate limits; 429/412/500/502/503/504 retried after Retry-After or backoff.
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
  /** Outbox entries whose connector call timed out but may still answer: not sent again until it settles or its claim runs out. */
  private readonly inFlight = new Map<string, { readonly settled: Promise<void>; readonly claimedUntil: number }>();
  /** Outbox entries sent whose store write failed: recorded again before the next scan. */
  private readonly unrecorded = new Map<string, Sent>();

  /** This worker's name on the entries it claims. */
  private readonly holder: string;
  /** Long enough that a claim never lapses while its send (bounded by the send timeout) is under way. */
  private readonly claimMs: number;

  constructor(private readonly deps: DeliveryWorkerDeps) {
    this.holder = deps.holder ?? `delivery-${randomUUID()}`;
    this.claimMs = 2 * (deps.sendTimeoutMs ?? 30_000) + 5_000;
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
      await Promise.race([Promise.all([...this.inFlight.values()].map((call) => call.settled)), this.deps.sleep(this.deps.sendTimeoutMs ?? 30_000)]);
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
        const started = await this.scan();
        const idle = this.deps.idleMs ?? 1_000;
        const next = await this.deps.outbox.nextDueAt();
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
    const counts = await Promise.all(await this.scan());
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Records what was sent but not written, then starts a lane for each due conversation not already busy. */
  private async scan(): Promise<Promise<number>[]> {
    for (const [id, sent] of this.unrecorded) {
      await this.deps.outbox.markDelivered(id, this.holder, sent.revision, sent.activityId, sent.at, new Date(sent.at.getTime() + this.deps.coalesceMs));
      this.unrecorded.delete(id);
    }
    const now = this.deps.clock.now();
    const due = await this.deps.outbox.due(now, this.deps.batchSize ?? 100, [...this.lanes.keys()]);
    const byConversation = new Map<string, OutboxEntry[]>();
    for (const e of due) {
      // A call that never answers is given up once its claim has run out, as another instance would.
      if ((this.inFlight.get(e.id)?.claimedUntil ?? 0) > now.getTime() || this.lanes.has(e.conversationKey)) continue;
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
        const wait = this.limiterOf(conversationKey).delayMs(conversationKey, now.getTime());
        if (wait > 0) {
          // Over the channel's limit for this conversation: everything left waits for the window, without counting an attempt.
          await this.deferRest(entries.slice(index), conversationKey);
          break;
        }
        // Several workers may share the outbox (instances on one store): only the one holding the
        // entry's claim sends it, and it works from the entry as the claim found it (another worker
        // may have posted the card meanwhile, so this one updates it instead of posting again).
        const claimed = await this.deps.outbox.claim(entry.id, this.holder, now, new Date(now.getTime() + this.claimMs));
        if (!claimed) continue;
        if (claimed.status !== 'pending' || claimed.dueAt.getTime() > now.getTime()) {
          // Delivered (or rescheduled) by another worker between our scan and our claim.
          await this.deps.outbox.release(entry.id, this.holder);
          continue;
        }
        attempted += 1;
        let outcome: DeliveryOutcome;
        try {
          outcome = await this.deliverOne(claimed, now);
        } finally {
          // A call still in flight past its timeout keeps the claim until it settles (or the claim runs out),
          // and so does a card sent whose id is not written yet: released, another instance would post it again.
          if (!this.inFlight.has(entry.id) && !this.unrecorded.has(entry.id)) await this.deps.outbox.release(entry.id, this.holder);
        }
        if (outcome === 'conversation-closed') break;
        if (outcome === 'conversation-throttled') {
          // The rest wait for the Retry-After, through the rate limit's branch (no attempt counted).
          await this.deferRest(entries.slice(index + 1), conversationKey);
          break;
        }
      } catch (error) {
        this.deps.logger.error({ err: error, outboxId: entry.id, conversationKey }, 'delivery bookkeeping failed; the entry will be retried');
        await this.tryReschedule(entry, error);
      }
    }
    return attempted;
  }

  /** Entries of a conversation that may not take a send now: due again once its limit (or pause) allows. */
  private async deferRest(rest: readonly OutboxEntry[], conversationKey: string): Promise<void> {
    const now = this.deps.clock.now();
    const wait = Math.max(1, this.limiterOf(conversationKey).delayMs(conversationKey, now.getTime()));
    for (const entry of rest) {
      if (await this.deps.outbox.claim(entry.id, this.holder, now, new Date(now.getTime() + this.claimMs))) {
        await this.deps.outbox.reschedule(entry.id, this.holder, new Date(now.getTime() + wait), entry.attempts, entry.lastError ?? 'rate limited');
      }
    }
  }

  /** Only while this worker holds the claim; otherwise the claim runs out and the entry is due again. */
  private async tryReschedule(entry: OutboxEntry, error: unknown, what = 'store', attempts = entry.attempts): Promise<void> {
    try {
      const delay = retryDelayMs(entry.attempts + 1, undefined, this.deps.random, this.retry);
      await this.deps.outbox.reschedule(entry.id, this.holder, new Date(this.deps.clock.now().getTime() + delay), attempts, `${what}: ${(error as Error)?.message ?? String(error)}`);
    } catch {
      // The store is down: the entry stays due and the loop backs off on its next scan.
    }
  }

  private async deliverOne(entry: OutboxEntry, now: Date): Promise<DeliveryOutcome> {
    const { outbox, incidents, subscriptions, metrics, logger } = this.deps;
    const incident = await incidents.get(entry.incidentId);
    const here = await subscriptions.listForConversation(entry.conversationKey);
    const subscription = here.find((s) => s.id === entry.subscriptionId) ?? here[0];
    if (!incident || !subscription) {
      await outbox.markFailed(entry.id, this.holder, !incident ? 'incident not found' : 'conversation unsubscribed');
      return 'done';
    }
    const view = this.view(incident, subscription.language);
    // A card sent earlier whose id the store did not take yet is updated, never posted again.
    const known = entry.activityId ?? this.unrecorded.get(entry.id)?.activityId;
    this.limiterOf(entry.conversationKey).record(entry.conversationKey, now.getTime());
    let attempt = await this.send(entry, incident.revision, subscription, view, known);
    let created = known === undefined;
    if (!attempt.ok && known !== undefined && attempt.status === 404) {
      // Someone deleted the card: forget it and post a new one (once; a failure of that post is retried as a create).
      logger.warn({ outboxId: entry.id, incidentId: entry.incidentId, conversationKey: entry.conversationKey }, 'the incident card was deleted in the channel; posting a new one');
      await outbox.forgetActivity(entry.id, this.holder);
      this.unrecorded.delete(entry.id);
      created = true;
      this.limiterOf(entry.conversationKey).record(entry.conversationKey, this.deps.clock.now().getTime());
      attempt = await this.send(entry, incident.revision, subscription, view, undefined);
    }
    if (!attempt.ok) return this.failed(entry, attempt);
    metrics?.deliveries.inc({ kind: created ? 'create' : 'update' });
    await this.record(entry, { activityId: attempt.activityId, revision: incident.revision, at: this.deps.clock.now() });
    return 'done';
  }

  /** Writes a delivery; if the store fails, the card's id is kept in memory and written before the next scan. */
  private async record(entry: OutboxEntry, sent: Sent): Promise<void> {
    if (entry.pendingSince) this.deps.metrics?.acceptedToPosted.observe(Math.max(0, sent.at.getTime() - entry.pendingSince.getTime()) / 1000);
    try {
      await this.deps.outbox.markDelivered(entry.id, this.holder, sent.revision, sent.activityId, sent.at, new Date(sent.at.getTime() + this.deps.coalesceMs));
      this.unrecorded.delete(entry.id);
    } catch (error) {
      this.unrecorded.set(entry.id, sent);
      this.deps.logger.error({ err: error, outboxId: entry.id, activityId: sent.activityId }, 'card delivered but not recorded; keeping its id to record it again (no second post)');
    }
  }

  /** The connector call alone, with a timeout. A call that times out is left to finish; its answer is recorded then. */
  private async send(entry: OutboxEntry, revision: number, subscription: Subscription, view: IncidentCardData, activityId: string | undefined): Promise<Attempt> {
    const timeoutMs = this.deps.sendTimeoutMs ?? 30_000;
    const call = this.deps.sender.deliver(subscription, view, subscription.language, activityId);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
      timer.unref();
    });
    try {
      const first = await Promise.race([call, timeout]);
      if (first !== 'timeout') return { ok: true, activityId: first };
      // The claim was taken just before the call, a timeout ago.
      this.inFlight.set(entry.id, { settled: this.settleLate(entry, revision, call, activityId), claimedUntil: this.deps.clock.now().getTime() - timeoutMs + this.claimMs });
      return { ok: false, error: new Error(`the connector did not answer within ${timeoutMs} ms`), timedOut: true };
    } catch (error) {
      return { ok: false, error, ...channelFailureOf(error, this.deps.clock.now()) };
    } finally {
      clearTimeout(timer);
    }
  }

  /** A timed-out call that answers after all: a created card's id must be kept, or a retry would post a second card. */
  private async settleLate(entry: OutboxEntry, revision: number, call: Promise<string>, activityId: string | undefined): Promise<void> {
    try {
      const id = await call;
      this.deps.metrics?.deliveries.inc({ kind: activityId ? 'update' : 'create' });
      await this.record(entry, { activityId: id, revision, at: this.deps.clock.now() });
      this.deps.logger.info({ outboxId: entry.id, activityId: id }, 'a timed-out delivery answered late; recorded');
    } catch (error) {
      // It failed after all: retried with the backoff, under the claim kept since the timeout.
      await this.tryReschedule(entry, error, 'timed out, then failed', entry.attempts + 1);
    } finally {
      this.inFlight.delete(entry.id);
      // A card whose record failed keeps the claim until the record is written (see deliverConversation).
      if (!this.unrecorded.has(entry.id)) await this.deps.outbox.release(entry.id, this.holder).catch(() => undefined);
      this.wake();
    }
  }

  private async failed(entry: OutboxEntry, attempt: Extract<Attempt, { ok: false }>): Promise<DeliveryOutcome> {
    const { outbox, metrics, logger } = this.deps;
    const { status, retryAfterMs, error } = attempt;
    const attempts = entry.attempts + 1;
    if (attempt.timedOut) {
      // The call may still land: the claim stays with this worker until it settles (settleLate records it,
      // or reschedules it if it fails) or runs out, so no instance sends it again meanwhile.
      metrics?.deliveryRetries.inc({ status: 'timeout' });
      logger.warn({ outboxId: entry.id, attempts }, 'delivery timed out; waiting for its answer before trying again');
      return 'done';
    }
    const message = `${attempt.timedOut ? 'timeout' : (status ?? 'error')}: ${(error as Error)?.message ?? String(error)}`;
    if (status === 403) {
      // The bot was removed from the team (or lost the right to post): nothing here can succeed until it is back.
      const reason = '403 Forbidden: the bot may no longer post in this conversation (removed from the team?). Add it again and subscribe to resume.';
      const dropped = await outbox.failConversation(entry.conversationKey, reason);
      metrics?.deliveryFailures.inc(Math.max(1, dropped));
      logger.error({ conversationKey: entry.conversationKey, subscriptionId: entry.subscriptionId, dropped }, `incident deliveries to this conversation stopped: ${reason}`);
      return 'conversation-closed';
    }
    // A transient failure is retried for as long as it lasts (backing off to the policy's longest
    // delay): a longer outage delays a card, never drops it, whatever the number of attempts.
    const transient = status === undefined || retryableStatuses.has(status) || status === tooLargeStatus;
    if (transient) {
      // No status: the connector was unreachable or too slow. Back off like a 5xx.
      const delay = retryDelayMs(attempts, status === undefined ? undefined : retryAfterMs, this.deps.random, this.retry);
      await outbox.reschedule(entry.id, this.holder, new Date(this.deps.clock.now().getTime() + delay), attempts, message);
      const label = status === undefined ? 'network' : String(status);
      metrics?.deliveryRetries.inc({ status: label });
      logger.warn({ outboxId: entry.id, status: label, delay, attempts }, 'delivery will be retried');
      if (status === 429) {
        // Throttled: the conversation waits as long as this message does.
        this.limiterOf(entry.conversationKey).pause(entry.conversationKey, this.deps.clock.now().getTime() + delay);
        return 'conversation-throttled';
      }
    } else {
      await outbox.markFailed(entry.id, this.holder, message);
      metrics?.deliveryFailures.inc();
      logger.error({ outboxId: entry.id, status, err: error }, 'delivery failed for good');
    }
    return 'done';
  }

  /** The channel's limit for this conversation (Teams' or Slack's), else the default. */
  private limiterOf(conversationKey: string): ConversationRateLimiter {
    return this.deps.sender.limiterFor?.(conversationKey) ?? this.limiter;
  }

  /** The incident as its message shows it now, in the subscriber's language; each channel renders it. */
  view(incident: Incident, language: Language): IncidentCardData {
    const catalogueMessage = incident.code ? this.deps.catalogueMessage?.(incident.code, language) : undefined;
    // Without the catalogue (no lookup configured) a code is taken as known; with it, an unknown code gets no Troubleshoot buttons.
    const troubleshootable = incident.code !== null && (this.deps.catalogueMessage === undefined || catalogueMessage !== undefined);
    return incidentCardData(incident, language, { troubleshootable, ...(catalogueMessage ? { catalogueMessage } : {}) });
  }
}
