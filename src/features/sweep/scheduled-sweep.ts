import type { Subscription } from '../../core/incidents/subscription';
import { type FleetSweepResult, changesSince, orderAtRisk, vmKey } from '../../core/sweep/fleet-sweep-result';
import { type SweepSchedule, sweepDue } from '../../core/sweep/sweep-schedule';
import type { SweepStore } from '../../core/sweep/sweep-store';
import { scopedSweep } from '../../core/sweep/scoped-sweep';
import type { Clock, IdGenerator } from '../../core/ports';
import type { VaultRef, VmRef } from '../../core/azure-port';
import type { Logger } from '../../logger';
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
      if (!sweepDue(deps.schedule, previous ? new Date(previous.startedAt) : undefined, deps.clock.now())) return 'not-due';
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
    const { deps } = this;
    const byConversation = new Map<string, Subscription[]>();
    for (const s of await deps.conversations()) byConversation.set(s.conversationKey, [...(byConversation.get(s.conversationKey) ?? []), s]);
    for (const subscriptions of byConversation.values()) {
      const subscription = subscriptions[0] as Subscription;
      const sender = deps.senders.senderFor(subscription.conversationKey);
      if (!sender) continue;
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
          if (existing === undefined || (error as { statusCode?: number }).statusCode !== 404) throw error;
          await deps.store.forgetDigestMessage(subscription.conversationKey);
          messageId = await sender.deliver(subscription, view, subscription.language, undefined);
        }
        await deps.store.saveDigestMessage({ conversationKey: subscription.conversationKey, messageId, sweepId: result.id, postedAt: deps.clock.now().toISOString() });
      } catch (error) {
        deps.logger.warn({ err: error, conversation: subscription.conversationKey, sweepId: result.id }, 'fleet digest could not be delivered');
      }
    }
  }
}
