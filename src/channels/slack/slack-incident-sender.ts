import type { webApi } from '@slack/bolt';
import type { Subscription } from '../../core/incidents/subscription';
import type { IncidentSender } from '../../features/incidents/delivery-worker';
import { renderIncidentMessage } from './blocks/incident-blocks';
import { safeError } from './bolt-logger';

/** What the delivery worker understands of a refused call: an HTTP-like status and, for a rate limit, how long to wait. */
type DeliveryRefusal = Error & { readonly statusCode: number; readonly retryAfterMs?: number };

/** Slack's answers that mean the bot may not (or can no longer) post in this channel: nothing is retried until it is back. */
const closedChannel = new Set(['channel_not_found', 'not_in_channel', 'is_archived', 'account_inactive', 'invalid_auth', 'token_revoked', 'not_authed', 'missing_scope', 'restricted_action', 'ekm_access_denied']);

/**
 * Slack's Web API errors as the statuses the delivery worker acts on: rate limited (429 with
 * Retry-After), the message gone (404: post it again), too large (413: shrunk and retried),
 * the channel closed to the bot (403: stop), anything else transient (502: back off).
 */
export function slackDeliveryRefusal(error: unknown): DeliveryRefusal {
  const e = error as { code?: string; retryAfter?: number; data?: { error?: string } };
  const slackError = e?.data?.error ?? '';
  const refusal = (statusCode: number, retryAfterMs?: number): DeliveryRefusal =>
    Object.assign(new Error(`Slack refused the message: ${slackError || e?.code || safeError(error).message}`), { statusCode, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
  if (e?.code === 'slack_webapi_rate_limited_error' || slackError === 'ratelimited') return refusal(429, (e.retryAfter ?? 1) * 1000);
  if (slackError === 'message_not_found' || slackError === 'cant_update_message') return refusal(404);
  if (slackError === 'msg_too_long' || slackError === 'invalid_blocks' || slackError === 'msg_blocks_too_long') return refusal(413);
  if (closedChannel.has(slackError)) return refusal(403);
  return refusal(502);
}

/**
 * Incident messages on Slack: the incident's view as Block Kit (fitted to Block Kit's limits),
 * posted with chat.postMessage and updated in place with chat.update. The client must reject
 * rate-limited calls rather than wait inside them, so the worker reschedules after Retry-After
 * and other channels are not held up.
 */
export function slackIncidentSender(client: webApi.WebClient): IncidentSender {
  return {
    deliver: (subscription, view, language, messageId) => postOrUpdate(client, subscription, renderIncidentMessage(view, language), messageId),
  };
}

/**
 * Posts a message into the subscription's channel (chat.postMessage), or replaces the one it
 * posted before (chat.update with its ts); returns the message's ts. A refusal is thrown as a
 * delivery refusal with an HTTP-like status, so the callers retry or give up alike.
 */
export async function postOrUpdate(
  client: webApi.WebClient,
  subscription: Pick<Subscription, 'conversationReference'>,
  message: { readonly text: string; readonly blocks: readonly webApi.KnownBlock[] },
  messageId: string | undefined,
): Promise<string> {
  const channel = subscription.conversationReference['channel'];
  if (typeof channel !== 'string') throw Object.assign(new Error('the subscription has no Slack channel'), { statusCode: 403 });
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
}
