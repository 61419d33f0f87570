import type { PolicyState } from '../../core/remediation/policy';
import type { Messenger } from '../../features/messenger';
import { teamsFixCard } from './fix-actions';
import type { CardSender } from './proactive-sender';
import type { TeamsBot } from './teams-bot';

/** The features' Messenger on Teams: a view model rendered as its card, written with a proactive update. */
export function teamsMessenger(sender: CardSender, bot: TeamsBot, policy: () => PolicyState): Messenger {
  return {
    async update(place, view) {
      const card = view.kind === 'fix' ? teamsFixCard(view.view, view.pending, policy()) : bot.renderSessionCard(view.session, undefined, view.verifiedByBackup ? { verifiedByBackup: true } : {});
      const reference = { channelId: 'msteams', conversation: { id: place.conversationId, isGroup: false, conversationType: '', name: '' }, ...(place.serviceUrl ? { serviceUrl: place.serviceUrl } : {}) };
      await sender.deliver(reference, card, place.activityId);
    },
  };
}
