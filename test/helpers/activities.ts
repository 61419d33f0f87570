import type { Activity } from 'botbuilder';

/** Builders for the activities Teams (or the Agents Playground) POSTs to /api/messages. */

export const botAccount = { id: '28:backup-doctor', name: 'Backup Doctor' };
export const alex = { id: '29:alex', name: 'Alex Wilber', aadObjectId: '00000000-0000-0000-0000-00000000a1ex' };
export const megan = { id: '29:megan', name: 'Megan Bowen', aadObjectId: '00000000-0000-0000-0000-0000000me9a' };

export type ConversationKind = 'personal' | 'groupChat' | 'channel';

let counter = 0;
const nextId = (): string => `in-${Date.now()}-${(counter += 1)}`;

export interface ActivityOptions {
  readonly serviceUrl: string;
  readonly conversationId?: string;
  readonly conversationType?: ConversationKind;
  readonly locale?: string;
  readonly from?: { id: string; name: string; aadObjectId?: string };
}

function base(options: ActivityOptions): Partial<Activity> {
  return {
    id: nextId(),
    channelId: 'msteams',
    serviceUrl: options.serviceUrl,
    timestamp: new Date(),
    locale: options.locale ?? 'en-US',
    from: options.from ?? alex,
    recipient: botAccount,
    conversation: {
      id: options.conversationId ?? 'conv-personal',
      conversationType: options.conversationType ?? 'personal',
      tenantId: 'tenant-1',
      isGroup: (options.conversationType ?? 'personal') !== 'personal',
      name: '',
    },
    channelData: { tenant: { id: 'tenant-1' } },
  };
}

export function message(text: string, options: ActivityOptions): Partial<Activity> {
  return { ...base(options), type: 'message', text, textFormat: 'plain' };
}

/** A channel message that mentions the bot, as Teams sends it. */
export function mentionMessage(text: string, options: ActivityOptions): Partial<Activity> {
  const mentionText = `<at>${botAccount.name}</at>`;
  return {
    ...base({ conversationType: 'channel', conversationId: '19:general@thread.tacv2', ...options }),
    type: 'message',
    text: `${mentionText} ${text}`,
    entities: [{ type: 'mention', text: mentionText, mentioned: botAccount }],
  };
}

/** An Action.Execute press: an `adaptiveCard/action` invoke replying to the card's message. */
export function executeInvoke(verb: string, data: unknown, replyToId: string | undefined, options: ActivityOptions): Partial<Activity> {
  return {
    ...base(options),
    type: 'invoke',
    name: 'adaptiveCard/action',
    ...(replyToId ? { replyToId } : {}),
    value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
  };
}

/** An Action.Submit press from an old client: a message whose value is the card data with the verb. */
export function submitMessage(data: Record<string, unknown>, replyToId: string | undefined, options: ActivityOptions): Partial<Activity> {
  return { ...base(options), type: 'message', ...(replyToId ? { replyToId } : {}), value: data };
}

export function botInstalled(options: ActivityOptions): Partial<Activity> {
  return { ...base(options), type: 'conversationUpdate', membersAdded: [botAccount], text: undefined };
}
