import type { Language } from '../core/knowledge/schema';
import type { Actor } from '../core/remediation/actor';
import type { CardLocation } from '../core/remediation/fix-request';

/**
 * What a channel hands a feature for one press or command: who (as the channel proved it),
 * in which language, and where (the conversation and, for a press, the pressed message).
 * Payloads arrive already validated against the verb's schema; the feature reloads and
 * re-checks everything they name.
 */
export interface Interaction {
  readonly actor: Actor;
  readonly language: Language;
  /** The conversation, and the pressed message when there is one (`activityId`). */
  readonly place: CardLocation;
}

/** The channels a feature may reach. */
export type ChannelName = 'msteams' | 'slack';

/** The channel of a stored place; places written before Slack had features are Teams'. */
export function channelOf(place: CardLocation): ChannelName {
  return place.channel ?? 'msteams';
}

/** The channel of a stored conversation key: Slack's are made by slackConversationId ("slack:<team>:<channel>"). */
export function channelOfConversation(conversationKey: string): ChannelName {
  return conversationKey.startsWith('slack:') ? 'slack' : 'msteams';
}
