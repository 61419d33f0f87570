import type { FleetSweepResult, SweepTrigger } from './fleet-sweep-result';

/** The digest message in one subscribed conversation: later sweeps update it in place. */
export interface DigestMessage {
  readonly conversationKey: string;
  /** The channel's id of the posted message (Teams activity id, Slack ts). */
  readonly messageId: string;
  /** The sweep it shows. */
  readonly sweepId: string;
  readonly postedAt: string;
}

/**
 * Where sweeps are kept, like incidents: the latest one renders the digest after a restart, and
 * any one a digest's button names is reloaded to re-check the press. The digest messages of the
 * scheduled sweep are kept too, so a restart updates them instead of posting them again.
 */
export interface SweepStore {
  save(result: FleetSweepResult): Promise<void>;
  get(id: string): Promise<FleetSweepResult | undefined>;
  /** The newest finished sweep (of that trigger, when given). */
  latest(trigger?: SweepTrigger): Promise<FleetSweepResult | undefined>;
  digestMessage(conversationKey: string): Promise<DigestMessage | undefined>;
  saveDigestMessage(message: DigestMessage): Promise<void>;
  /** The conversation's digest message is gone (deleted in the channel): the next sweep posts a new one. */
  forgetDigestMessage(conversationKey: string): Promise<void>;
  /**
   * Removes sweeps that finished before `cutoff`, but never the newest of each trigger nor one a
   * digest message shows (its buttons reload it); returns how many went.
   */
  purgeFinishedBefore(cutoff: Date): Promise<number>;
}
