import type { webApi } from '@slack/bolt';
import type { DigestSender } from '../../features/sweep/digest-senders';
import { renderSweepDigestMessage, slackDigestFit } from './blocks/sweep-blocks';
import { postOrUpdate } from './slack-incident-sender';

/** The scheduled digest on Slack: Block Kit posted with chat.postMessage, then updated in place with chat.update. */
export function slackDigestSender(client: webApi.WebClient): DigestSender {
  return {
    fit: slackDigestFit,
    deliver: (subscription, view, language, messageId) => postOrUpdate(client, subscription, renderSweepDigestMessage(view, language), messageId),
  };
}
