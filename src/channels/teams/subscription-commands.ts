import type { ConversationReference } from 'botbuilder';
import type { SubscriptionCommands } from '../../features/incidents/subscription-commands';
import type { CommandContext, ConversationInfo } from './routing-types';
import { teamsActor } from './teams-actor';
import type { TeamsBot } from './teams-bot';

/**
 * The conversation a subscription belongs to. In a Teams channel every post is its own thread
 * (`<channel>;messageid=<post>`): a subscription is for the channel, so incident cards become new
 * posts there and `unsubscribe` written in any later post finds it.
 */
export function subscriptionConversation(conversation: ConversationInfo): ConversationInfo {
  if (conversation.type !== 'channel') return conversation;
  return { ...conversation, id: conversation.id.replace(/;messageid=.*$/i, '') };
}

/** The reference proactive sends need: where (serviceUrl, conversation) and as whom (the bot). */
export function conversationReferenceOf(conversation: ConversationInfo, appId: string): Partial<ConversationReference> {
  return {
    channelId: 'msteams',
    ...(conversation.serviceUrl ? { serviceUrl: conversation.serviceUrl } : {}),
    bot: { id: appId ? `28:${appId}` : 'backup-doctor', name: 'Backup Doctor' },
    conversation: {
      id: conversation.id,
      isGroup: conversation.type !== undefined && conversation.type !== 'personal',
      conversationType: conversation.type ?? 'personal',
      name: '',
      ...(conversation.tenantId ? { tenantId: conversation.tenantId } : {}),
    },
  };
}

/** The subscription commands in Teams (the SubscriptionCommands feature), answered as text in the conversation. */
export function registerSubscriptionCommands(bot: TeamsBot, commands: SubscriptionCommands, appId: string): void {
  bot.registerCommand(
    (text) => commands.recognises(text),
    async (ctx: CommandContext) => {
      const conversation = subscriptionConversation(ctx.conversation);
      const answer = await commands.answer({ actor: teamsActor(ctx.sender), language: ctx.language, place: { channel: 'msteams', conversationId: conversation.id } }, ctx.text, {
        conversationKey: conversation.id,
        reference: conversationReferenceOf(conversation, appId) as Record<string, unknown>,
      });
      if (!answer) return;
      await ctx.messenger.sendText(answer.text);
      answer.afterSent?.();
    },
  );
}
