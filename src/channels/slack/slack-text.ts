/**
 * What Slack sends as message text is mrkdwn: mentions as <@U123>, links as <url|label>,
 * and &, <, > escaped. Identification wants what the person typed.
 */
export function plainTextOf(text: string | undefined): string {
  return (text ?? '')
    .replace(/<@[UW][A-Z0-9]+(?:\|[^>]*)?>/g, ' ')
    .replace(/<!(?:here|channel|everyone)(?:\|[^>]*)?>/g, ' ')
    .replace(/<#[A-Z0-9]+(?:\|([^>]*))?>/g, (_whole, name: string | undefined) => (name ? `#${name}` : ' '))
    // A link keeps its address (aka.ms/AB-<code> links carry the code); mailto and labels are not needed.
    .replace(/<((?:https?|mailto):[^|>]+)(?:\|[^>]*)?>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\u00a0/g, ' ')
    .trim();
}

/** The troubleshooting session's conversation id: a workspace and a channel (or DM). */
export function slackConversationId(teamId: string, channelId: string): string {
  return `slack:${teamId}:${channelId}`;
}

/** The Slack channel (or DM) id of a conversation id made by slackConversationId; undefined for any other id. */
export function slackChannelOf(conversationId: string): string | undefined {
  const match = /^slack:[^:]+:([A-Z0-9]+)$/i.exec(conversationId);
  return match?.[1];
}
