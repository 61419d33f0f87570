import { type Activity, ActivityTypes, CardFactory, MessageFactory, type TurnContext } from 'botbuilder';
import type { AdaptiveCardJson } from './card-renderer';
import { fitCard, sendFitted } from './fit-card';

/**
 * Reply and update operations without a TurnContext in sight, for command and card-action
 * handlers. `send` returns the new message's id so a later press can update it in place.
 */
export interface CardMessenger {
  send(card: AdaptiveCardJson): Promise<string | undefined>;
  update(activityId: string, card: AdaptiveCardJson): Promise<void>;
  sendText(text: string): Promise<string | undefined>;
}

/** The message that carries a card, the card fitted to Teams' size limit (see fit-card.ts). */
export function cardActivity(card: AdaptiveCardJson): Partial<Activity> {
  return MessageFactory.attachment(CardFactory.adaptiveCard(fitCard(card)));
}

/** Teams' own cap on a message is 40 KB; a text answer is a sentence or a short list, and a longer one is cut. */
export const maxTextReplyChars = 4_000;

/**
 * A text answer as plain text: Teams would otherwise read it as markdown, and anything it echoes
 * (a vault name, a mistyped argument) could become a live link or formatting.
 */
export function plainTextActivity(text: string): Partial<Activity> {
  const chars = [...text];
  const shown = chars.length <= maxTextReplyChars ? text : `${chars.slice(0, maxTextReplyChars - 1).join('')}…`;
  return { ...MessageFactory.text(shown), textFormat: 'plain' };
}

export function turnMessenger(context: TurnContext): CardMessenger {
  return {
    async send(card) {
      const response = await sendFitted(card, (fitted) => context.sendActivity(cardActivity(fitted)));
      return response?.id;
    },
    async update(activityId, card) {
      await sendFitted(card, (fitted) => context.updateActivity({ ...cardActivity(fitted), type: ActivityTypes.Message, id: activityId, conversation: context.activity.conversation }));
    },
    async sendText(text) {
      const response = await context.sendActivity(plainTextActivity(text));
      return response?.id;
    },
  };
}
