import type { Subscription } from '../../core/incidents/subscription';
import type { Language } from '../../core/knowledge/schema';
import type { SweepDigestView } from '../../core/sweep/sweep-digest-view';
import { type ChannelName, channelOfConversation } from '../interaction';
import type { DigestFit } from './sweep-flow';

/**
 * Posts the fleet digest into a subscribed conversation, or replaces the one posted there
 * (`messageId`); returns the message's id. Each channel renders the view its own way and says
 * how many rows fit one message. A refused call throws an error with an HTTP-like `statusCode`
 * (404: the message is gone, post a new one), like the incident senders.
 */
export interface DigestSender {
  readonly fit: DigestFit;
  deliver(subscription: Subscription, view: SweepDigestView, language: Language, messageId: string | undefined): Promise<string>;
}

/** One digest sender per channel; channels register as they are built (Slack only when configured). */
export class DigestSenders {
  private readonly byChannel = new Map<ChannelName, DigestSender>();

  register(channel: ChannelName, sender: DigestSender): void {
    this.byChannel.set(channel, sender);
  }

  senderFor(conversationKey: string): DigestSender | undefined {
    return this.byChannel.get(channelOfConversation(conversationKey));
  }
}
