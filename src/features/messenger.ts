import type { Language } from '../core/knowledge/schema';
import type { CardLocation, FixRequest } from '../core/remediation/fix-request';
import type { FixCardView } from '../core/remediation/fix-view';
import type { TroubleshootSession } from '../core/troubleshoot/session';
import { type ChannelName, channelOf } from './interaction';

/**
 * What a feature asks a channel to show outside a turn. View models, not cards: each channel
 * renders them its own way (Adaptive Cards, Block Kit).
 */
export type OutboundView =
  /** A fix request's card; `pending` while it waits for a decision (Teams refreshes it per viewer). */
  | { readonly kind: 'fix'; readonly view: FixCardView; readonly language: Language; readonly pending?: FixRequest }
  /** A troubleshooting session's current message (after a fix's verdict moved it on). */
  | { readonly kind: 'session'; readonly session: TroubleshootSession; readonly verifiedByBackup?: boolean };

/**
 * The one door from a feature to chat outside a turn: update a message at a stored place.
 * Every implementation bounds its calls with the chat deadline and throws when a call fails.
 */
export interface Messenger {
  update(place: CardLocation, view: OutboundView): Promise<void>;
}

/**
 * Sends each place to the messenger of its own channel. Channels register as they are built
 * (Slack only when it is configured); a place of a channel that is not there is an error.
 */
export class ChannelMessengers implements Messenger {
  private readonly byChannel = new Map<ChannelName, Messenger>();

  register(channel: ChannelName, messenger: Messenger): void {
    this.byChannel.set(channel, messenger);
  }

  async update(place: CardLocation, view: OutboundView): Promise<void> {
    const channel = channelOf(place);
    const messenger = this.byChannel.get(channel);
    if (!messenger) throw new Error(`no messenger for channel ${channel}: it is not configured`);
    await messenger.update(place, view);
  }
}
