import { type Activity, ActivityTypes, CardFactory, MessageFactory, type TurnContext } from 'botbuilder';
import type { AdaptiveCardJson } from './card-renderer';

/**
 * Reply and update operations without a TurnContext in sight, for command and card-action
 * handlers. `send` returns the new message's id so a later press can update it in place.
 */
export interface CardMessenger {
  send(card: AdaptiveCardJson): Promise<string | undefined>;
  update(activityId: string, card: AdaptiveCardJson): Promise<void>;
  sendText(text: string): Promise<string | undefined>;
}

export function cardActivity(card: AdaptiveCardJson): Partial<Activity> {
  return MessageFactory.attachment(CardFactory.adaptiveCard(card));
}

export function turnMessenger(context: TurnContext): CardMessenger {
  return {
    async send(card) {
      const response = await context.sendActivity(cardActivity(card));
      return response?.id;
    },
    async update(activityId, card) {
      await context.updateActivity({ ...cardActivity(card), type: ActivityTypes.Message, id: activityId, conversation: context.activity.conversation });
    },
    async sendText(text) {
      const response = await context.sendActivity(MessageFactory.text(text));
      return response?.id;
    },
  };
}
