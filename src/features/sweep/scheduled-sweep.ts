import type { Subscription } from '../../core/incidents/subscription';
import { type FleetSweepResult, changesSince, orderAtRisk, vmKey } from '../../core/sweep/fleet-sweep-result';
import { type SweepSchedule, sweepDue } from '../../core/sweep/sweep-schedule';
import type { SweepStore } from '../../core/sweep/sweep-store';
import { scopedSweep } from '../../core/sweep/scoped-sweep';
import type { Clock, IdGenerator } from '../../core/ports';
import type { VaultRef, VmRef } from '../../core/azure-port';
import type { Logger } from '../../logger';
import { channelFailureOf } from '../channel-failure';
import type { DigestSenders } from './digest-senders';
import type { FleetSweep } from './fleet-sweep';
import type { SweepFlow } from './sweep-flow';

export interface ScheduledSweepDeps {
  readonly schedule: SweepSchedule;
  readonly sweep: FleetSweep;
  readonly flow: Pick<SweepFlow, 'digest'>;
  readonly store: SweepStore;
  readonly senders: DigestSenders;
  /** The subscribed conversations (the alert path's subscriptions): each gets one digest message. */
  readonly conversations: () => Promise<readonly Subscription[]>;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly logger: Logger;
  /** With several instances, only the one holding the lease sweeps (as only it polls for jobs). */
  readonly leadership?: { isLeader(): boolean };
  /** How often the schedule is looked at. Default 30 s. */
  readonly checkEveryMs?: number;
}

export type TickOutcome = 'not-leader' | 'not-due' | 'busy' | 'swept';

/**
 * The scheduled sweep: at each SWEEP_SCHEDULE time the leader sweeps the fleet and posts the
 * digest to every subscribed conversation, or updates the digest it posted there before, so a
 * channel has one digest that shows what is newly at risk and what recovered since the last
 * scheduled sweep. Sweeps and digest messages are stored, so a restart neither sweeps a slot
 * again nor posts a second digest.
 */
export class ScheduledSweep {
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  /** Conversations whose last digest delivery failed: how often, and when to try again. */
  private readonly failures = new Map<string, { attempts: number; nextAttemptAt: number }>();

  constructor(private readonly deps: ScheduledSweepDeps) {}

  start(): void {
    if (this.timer) return;
    const every = this.deps.checkEveryMs ?? 30_000;
    this.timer = setInterval(() => void this.tick().catch((error: unknown) => this.deps.logger.error({ err: error }, 'scheduled fleet sweep failed')), every);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Sweeps and posts when a scheduled time has passed since the last scheduled sweep. */
  async tick(): Promise<TickOutcome> {
    const { deps } = this;
    if (deps.leadership && !deps.leadership.isLeader()) return 'not-leader';
    if (this.ticking) return 'busy';
    this.ticking = true;
    try {
      const previous = await deps.store.latest('schedule');
      if (!sweepDue(deps.schedule, previous ? new Date(previous.startedAt) : undefined, deps.clock.now())) {
        if (previous) await this.catchUp(previous);
        return 'not-due';
      }
      const result = await deps.sweep.run('schedule');
      await this.publish(result, previous);
      return 'swept';
    } finally {
      this.ticking = false;
    }
  }

  /**
   * A fix was proven by a backup: the VM is checked again and, when it is no longer at risk, the
   * latest scheduled digest is updated in place to show it recovered (the schedule is unchanged).
   */
  async afterFix(vm: VmRef, vault: VaultRef | undefined): Promise<void> {
    const { deps } = this;
    const latest = await deps.store.latest('schedule');
    const listed = latest?.atRisk.find((v) => vmKey(v.vm) === vmKey(vm));
    if (!latest || !listed) return;
    const finding = await deps.sweep.recheck(vm, vault ?? listed.vault);
    if (finding === undefined) return;
    const atRisk = latest.atRisk.flatMap((v) => (vmKey(v.vm) !== vmKey(vm) ? [v] : finding.kind === 'at-risk' ? [{ ...v, cause: finding.cause, evidence: finding.evidence }] : []));
    const updated: FleetSweepResult = { ...latest, id: deps.ids.next(), finishedAt: deps.clock.now().toISOString(), atRisk: orderAtRisk(atRisk) };
    await deps.store.save(updated);
    await this.publish(updated, latest);
  }

  /**
   * Posts or updates the digest in each subscribed conversation, each scoped to what it subscribed
   * to (its vaults, its Azure subscriptions, or all); one conversation's failure does not stop the others.
   */
  async publish(result: FleetSweepResult, previous: FleetSweepResult | undefined): Promise<void> {
    for (const subscriptions of await this.subscribedConversations()) await this.deliverTo(subscriptions, result, previous);
  }

  /**
   * A digest that could not be delivered (the channel throttled, failed or was unreachable) is not
   * lost until the next scheduled time: each later tick delivers the latest scheduled sweep to every
   * conversation that subscribed before it and does not show it yet, backing off after each failure
   * (Retry-After when the channel gave one). What a conversation shows is stored, so this survives a
   * restart and another instance taking over the schedule.
   */
  private async catchUp(latest: FleetSweepResult): Promise<void> {
    const { deps } = this;
    const now = deps.clock.now().getTime();
    for (const subscriptions of await this.subscribedConversations()) {
      const conversationKey = (subscriptions[0] as Subscription).conversationKey;
      // A channel that subscribed after this sweep gets the next one, as it would have without a failure.
      if (subscriptions.every((s) => s.createdAt.getTime() > Date.parse(latest.finishedAt))) continue;
      if ((this.failures.get(conversationKey)?.nextAttemptAt ?? 0) > now) continue;
      const shown = await deps.store.digestMessage(conversationKey);
      if (shown?.sweepId === latest.id) continue;
      await this.deliverTo(subscriptions, latest, shown ? await deps.store.get(shown.sweepId) : undefined);
    }
  }

  private async subscribedConversations(): Promise<Subscription[][]> {
    const byConversation = new Map<string, Subscription[]>();
    for (const s of await this.deps.conversations()) byConversation.set(s.conversationKey, [...(byConversation.get(s.conversationKey) ?? []), s]);
    return [...byConversation.values()];
  }

  private async deliverTo(subscriptions: readonly Subscription[], result: FleetSweepResult, previous: FleetSweepResult | undefined): Promise<void> {
    const { deps } = this;
    const subscription = subscriptions[0] as Subscription;
    const sender = deps.senders.senderFor(subscription.conversationKey);
    if (!sender) return;
    const scoped = scopedSweep(result, subscriptions);
    const changes = previous ? changesSince(scopedSweep(previous, subscriptions), scoped) : undefined;
    const view = deps.flow.digest(scoped, subscription.language, sender.fit, changes);
    const existing = await deps.store.digestMessage(subscription.conversationKey);
    try {
      let messageId: string;
      try {
        messageId = await sender.deliver(subscription, view, subscription.language, existing?.messageId);
      } catch (error) {
        // The digest was deleted in the channel: post a new one rather than lose this sweep.
        if (existing === undefined || channelFailureOf(error, deps.clock.now()).status !== 404) throw error;
        await deps.store.forgetDigestMessage(subscription.conversationKey);
        messageId = await sender.deliver(subscription, view, subscription.language, undefined);
      }
      await deps.store.saveDigestMessage({ conversationKey: subscription.conversationKey, messageId, sweepId: result.id, postedAt: deps.clock.now().toISOString() });
      this.failures.delete(subscription.conversationKey);
    } catch (error) {
      const { status, retryAfterMs } = channelFailureOf(error, deps.clock.now());
      // 403: the bot may no longer post there (removed from the team, the channel archived); 404 on a new post: the
      // conversation is gone. Retrying would never land: the next scheduled sweep tries once more (the bot may be back).
      if (status === 403 || (status === 404 && existing === undefined)) {
        const known = this.failures.get(subscription.conversationKey);
        this.failures.set(subscription.conversationKey, { attempts: (known?.attempts ?? 0) + 1, nextAttemptAt: Number.POSITIVE_INFINITY });
        if (known?.nextAttemptAt !== Number.POSITIVE_INFINITY) {
          deps.logger.warn({ err: error, conversation: subscription.conversationKey, sweepId: result.id, status }, 'fleet digest refused: the bot may no longer post in this conversation (removed, archived or deleted); it is tried again at the next scheduled sweep only. Add the bot again and subscribe to resume.');
        }
        return;
      }
      const attempts = (this.failures.get(subscription.conversationKey)?.attempts ?? 0) + 1;
      // The channel's own Retry-After when it gave one (Teams' connector and Slack both do on a 429).
      const waitMs = retryAfterMs ?? Math.min(maxRetryWaitMs, firstRetryWaitMs * 2 ** (attempts - 1));
      this.failures.set(subscription.conversationKey, { attempts, nextAttemptAt: deps.clock.now().getTime() + waitMs });
      deps.logger.warn({ err: error, conversation: subscription.conversationKey, sweepId: result.id, attempts, retryInMs: waitMs }, 'fleet digest could not be delivered; it is tried again');
    }
  }
}

const firstRetryWaitMs = 30_000;
const maxRetryWaitMs = 30 * 60_000;
