import type { webApi } from '@slack/bolt';
import type { DigestSender } from '../../features/sweep/digest-senders';
import { renderSweepDigestMessage, slackDigestFit } from './blocks/sweep-blocks';
import { slackDeliveryRefusal } from './slack-incident-sender';

/** The scheduled digest on Slack: Block Kit posted with chat.postMessage, then updated in place with chat.update. */
export function slackDigestSender(client: webApi.WebClient): DigestSender {
  return {
    fit: slackDigestFit,
    async deliver(subscription, view, language, messageId) {
      const channel = subscription.conversationReference['channel'];
      if (typeof channel !== 'string') throw Object.assign(new Error('the subscription has no Slack channel'), { statusCode: 403 });
      const message = renderSweepDigestMessage(view, language);
      try {
        if (messageId) {
          await client.chat.update({ channel, ts: messageId, text: message.text, blocks: [...message.blocks] });
          return messageId;
        }
        const posted = await client.chat.postMessage({ channel, text: message.text, blocks: [...message.blocks] });
        if (typeof posted.ts !== 'string') throw Object.assign(new Error('Slack returned no ts for the new message'), { data: { error: 'no_ts' } });
        return posted.ts;
      } catch (error) {
        throw slackDeliveryRefusal(error);
      }
    },
  };
}
