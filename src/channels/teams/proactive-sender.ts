import { ActivityTypes, type CloudAdapter, type ConversationReference } from 'botbuilder';
import type { IncidentCardData } from '../../core/incidents/incident-view';
import type { Language } from '../../core/knowledge/schema';
import type { IncidentSender } from '../../features/incidents/delivery-worker';
import { cardActivity } from './card-messenger';
import { type AdaptiveCardJson, renderCard } from './card-renderer';
import { fitCard, sendFitted } from './fit-card';

/** Microsoft Learn's page of VM backup errors, their messages and causes. */
const vmBackupTroubleshootingUrl = 'https://learn.microsoft.com/azure/backup/backup-azure-vms-troubleshoot';

/** Posts a card into a conversation, or replaces an earlier one; returns the message's activity id. */
export interface CardSender {
  deliver(reference: Partial<ConversationReference>, card: AdaptiveCardJson, activityId: string | undefined): Promise<string>;
}

/**
 * Proactive sends through CloudAdapter.continueConversationAsync with the stored conversation reference.
 * A refused call throws the connector's RestError (statusCode, Retry-After) to the caller.
 */
export function adapterCardSender(adapter: CloudAdapter, appId: string): CardSender {
  return {
    async deliver(reference, card, activityId) {
      let id = activityId;
      // An error thrown inside the continuation goes to adapter.onTurnError, which logs it and carries on:
      // the caller would see a success (a deleted card "updated", a 429 "sent"). It is kept and thrown here.
      let failure: { error: unknown } | undefined;
      await adapter.continueConversationAsync(appId, reference, async (context) => {
        try {
          // A card the channel refuses as too large (413) is shortened and sent again, never dropped.
          if (activityId) {
            await sendFitted(card, (fitted) => context.updateActivity({ ...cardActivity(fitted), type: ActivityTypes.Message, id: activityId, conversation: context.activity.conversation }));
          } else {
            // The continuation event has an id of its own; left in place, botbuilder would send a threaded
            // reply to it (replyToActivity). An incident card is a new post (sendToConversation).
            context.activity.id = undefined;
            const response = await sendFitted(card, (fitted) => context.sendActivity(cardActivity(fitted)));
            id = response?.id;
          }
        } catch (error) {
          failure = { error };
        }
      });
      if (failure) throw failure.error;
      if (!id) throw new Error('the channel returned no activity id for the new message');
      return id;
    },
  };
}

/** The incident card on Teams: rendered from the view, fitted to Teams' size limit, sent with the stored reference. */
export function teamsIncidentCard(view: IncidentCardData, language: Language): AdaptiveCardJson {
  // Azure's description and resource names are unbounded: a card cut to fit links to where these errors are documented.
  return fitCard(renderCard('incident', view), { more: { url: vmBackupTroubleshootingUrl, label: language === 'en' ? 'Read more' : 'Więcej' } });
}

export function teamsIncidentSender(cards: CardSender): IncidentSender {
  return {
    deliver: (subscription, view, language, messageId) => cards.deliver(subscription.conversationReference as Partial<ConversationReference>, teamsIncidentCard(view, language), messageId),
  };
}
