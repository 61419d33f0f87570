import type { z } from 'zod';
import type { Language } from '../../core/knowledge/schema';
import type { CardMessenger } from './card-messenger';
import type { AdaptiveCardJson } from './card-renderer';

/** Who pressed or wrote. `aadObjectId` is the identity; `name` is only for display. */
export interface Sender {
  readonly id: string;
  readonly aadObjectId?: string;
  readonly name?: string;
}

export interface ConversationInfo {
  readonly id: string;
  /** 'personal' | 'groupChat' | 'channel' in Teams. */
  readonly type?: string;
  readonly tenantId?: string;
  readonly serviceUrl?: string;
}

/** The stable identity to record (aadObjectId where Teams gives one). */
export function identityOf(sender: Sender): string {
  return sender.aadObjectId ?? sender.id;
}

export interface CardActionContext<P = unknown> {
  readonly verb: string;
  /** The card's data, validated by the schema given at registration (verb removed). */
  readonly payload: P;
  readonly sender: Sender;
  readonly language: Language;
  readonly conversation: ConversationInfo;
  /** The message that holds the pressed card (Teams' replyToId), when the channel says. */
  readonly activityId?: string;
  /** 'invoke' for Action.Execute, 'submit' for the Action.Submit fallback. */
  readonly via: 'invoke' | 'submit';
  readonly messenger: CardMessenger;
}

/**
 * What a card action answers. 'replace' (default): the card replaces the pressed one for
 * everyone (invoke response + updateActivity). 'reply': the card is posted as a new message
 * and the pressed card stays as it was.
 */
export interface CardActionResult {
  readonly card: AdaptiveCardJson;
  /**
   * 'respond': only the presser's invoke answer (a user-specific view such as a refresh); the message is not updated.
   * 'shared-elsewhere': the invoke answer shows the presser the card, and the pressed message is written by
   * whoever owns it (a fix card's writer, which always writes its newest state); nothing is sent from the turn.
   */
  readonly mode?: 'replace' | 'reply' | 'respond' | 'shared-elsewhere';
  /** Where the card should be written when it is not the pressed message (e.g. a session's own card). */
  readonly activityId?: string;
  /** Called with the new message's id when the card was posted rather than written over an existing one. */
  readonly onPosted?: (activityId: string) => Promise<void>;
  /** Called once this turn's card has been written (answered, updated or posted). */
  readonly afterSend?: () => void;
}

export type CardActionHandler<P = unknown> = (ctx: CardActionContext<P>) => Promise<CardActionResult>;

export interface CardActionRegistration<P> {
  readonly handler: CardActionHandler<P>;
  readonly payload?: z.ZodType<P>;
  /**
   * Answers a press whose data is not this verb's (not an object, or not its schema). Verbs that
   * must audit every refused press (the fix buttons) give one; others get "no longer valid".
   */
  readonly refuse?: CardActionRefusal;
}

/** A refused press: its context carries the data as it came (an empty object when it was not one) and why it was refused. */
export type CardActionRefusal = (ctx: CardActionContext<Record<string, unknown>>, detail: string) => Promise<CardActionResult>;

export interface CommandContext {
  /** The message with the bot's mention removed, trimmed. */
  readonly text: string;
  /** The RegExp match when the matcher is a RegExp. */
  readonly match: RegExpMatchArray | null;
  readonly language: Language;
  readonly locale?: string;
  /** The sender's offset from UTC in minutes, when their client says (Teams' localTimestamp / localTimezone). */
  readonly utcOffsetMinutes?: number;
  readonly sender: Sender;
  readonly conversation: ConversationInfo;
  readonly messenger: CardMessenger;
}

/** A RegExp tested against the mention-free text, or a predicate. */
export type CommandMatcher = RegExp | ((text: string) => boolean);
export type CommandHandler = (ctx: CommandContext) => Promise<void>;
