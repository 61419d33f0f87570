import type { Messenger } from '../../features/messenger';
import { renderFixMessage } from './blocks/fix-blocks';
import { type SlackConversationDeps, renderSessionMessage } from './slack-conversation';
import type { SlackMessenger } from './slack-messenger';
import { slackChannelOf } from './slack-text';

/** The features' Messenger on Slack: a view model rendered as Block Kit, written with chat.update. */
export function slackFeatureMessenger(messenger: SlackMessenger, deps: Pick<SlackConversationDeps, 'knowledge' | 'checks' | 'fixes'>): Messenger {
  return {
    async update(place, view) {
      const channel = slackChannelOf(place.conversationId);
      if (!channel || !place.activityId) throw new Error(`not a Slack message place: ${place.conversationId} ${place.activityId ?? '(no ts)'}`);
      const message = view.kind === 'fix' ? renderFixMessage(view.view, view.language) : renderSessionMessage(deps, view.session, undefined, view.verifiedByBackup ? { verifiedByBackup: true } : {});
      await messenger.update(channel, place.activityId, message);
    },
  };
}
