import type { ConversationReference } from 'botbuilder';
import { type OpenIncidentsPlan, openIncidentsText } from '../../core/incidents/open-incidents';
import type { SubscriptionStore } from '../../core/incidents/ports';
import { type Subscription, type SubscriptionScope, parseSubscriptionCommand, scopeKey } from '../../core/incidents/subscription';
import type { Language } from '../../core/knowledge/schema';
import type { Clock, IdGenerator } from '../../core/ports';
import { decideSubscriptionChange } from '../../core/remediation/policy';
import type { CommandContext, ConversationInfo } from './routing-types';
import { teamsActor } from './teams-actor';
import type { TeamsBot } from './teams-bot';

export interface SubscriptionCommandDeps {
  readonly subscriptions: SubscriptionStore;
  readonly ids: IdGenerator;
  readonly clock: Clock;
  /** The bot's app id (Teams addresses the bot as 28:<appId>); empty in local mode. */
  readonly appId: string;
  /**
   * Stores the subscription and queues cards for the incidents already open that it matches
   * (AlertLedger.subscribe). Without it the subscription is only stored.
   */
  readonly subscribe?: (subscription: Subscription) => OpenIncidentsPlan;
  /** Called after the confirmation was sent (e.g. to wake the delivery worker for the queued cards). */
  readonly onSubscribed?: (subscription: Subscription) => void;
}

function describe(scope: SubscriptionScope, lang: Language): string {
  switch (scope.kind) {
    case 'all':
      return lang === 'en' ? 'all vaults' : 'wszystkie magazyny';
    case 'vault':
      return lang === 'en' ? `vault ${scope.vault}` : `magazyn ${scope.vault}`;
    case 'subscription':
      return lang === 'en' ? `subscription ${scope.subscriptionId}` : `subskrypcja ${scope.subscriptionId}`;
  }
}

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

/**
 * `subscribe`, `subscribe vault <name>`, `subscribe subscription <id>`, `unsubscribe [...]`,
 * `subscriptions`. The conversation reference is stored with the subscription, so incident
 * cards reach this conversation proactively, in the language the command was written in.
 */
export function registerSubscriptionCommands(bot: TeamsBot, deps: SubscriptionCommandDeps): void {
  bot.registerCommand(
    (text) => parseSubscriptionCommand(text) !== undefined,
    async (ctx: CommandContext) => {
      const command = parseSubscriptionCommand(ctx.text);
      const lang = ctx.language;
      const conversation = subscriptionConversation(ctx.conversation);
      const key = conversation.id;
      if (!command) return;
      // Where the on-call channel's cards go is an operator's call when a fix policy names them.
      if (command.kind === 'subscribe' || command.kind === 'unsubscribe') {
        const permission = decideSubscriptionChange(bot.policyState(), teamsActor(ctx.sender));
        if (!permission.allowed) {
          await ctx.messenger.sendText(permission.message[lang]);
          return;
        }
      }
      switch (command.kind) {
        case 'invalid':
          await ctx.messenger.sendText(command.reason[lang]);
          return;
        case 'subscribe': {
          const subscription: Subscription = {
            id: deps.ids.next(),
            conversationKey: key,
            conversationReference: conversationReferenceOf(conversation, deps.appId) as Record<string, unknown>,
            scope: command.scope,
            language: lang,
            createdBy: ctx.sender.aadObjectId ?? ctx.sender.id,
            createdAt: deps.clock.now(),
          };
          let plan: OpenIncidentsPlan | undefined;
          if (deps.subscribe) plan = deps.subscribe(subscription);
          else deps.subscriptions.add(subscription);
          const open = plan ? ` ${openIncidentsText(plan, lang)}` : '';
          await ctx.messenger.sendText(
            lang === 'en'
              ? `Subscribed: incident cards for ${describe(command.scope, lang)} will be posted here.${open} Write \`unsubscribe\` to stop.`
              : `Subskrypcja dodana: karty incydentów dla: ${describe(command.scope, lang)} będą publikowane tutaj.${open} Napisz \`unsubscribe\`, aby zakończyć.`,
          );
          deps.onSubscribed?.(subscription);
          return;
        }
        case 'unsubscribe': {
          const removed = deps.subscriptions.remove(key, command.scope ? scopeKey(command.scope) : undefined);
          await ctx.messenger.sendText(
            removed === 0
              ? lang === 'en'
                ? 'This conversation had no such subscription.'
                : 'Ta rozmowa nie miała takiej subskrypcji.'
              : lang === 'en'
                ? `Unsubscribed (${removed} removed). No more incident cards here${command.scope ? ` for ${describe(command.scope, lang)}` : ''}.`
                : `Subskrypcja usunięta (usunięto: ${removed}). Karty incydentów nie będą już tu publikowane${command.scope ? ` dla: ${describe(command.scope, lang)}` : ''}.`,
          );
          return;
        }
        case 'list': {
          const subs = deps.subscriptions.listForConversation(key);
          const lines = subs.map((s) => `- ${describe(s.scope, lang)}`);
          await ctx.messenger.sendText(
            subs.length === 0
              ? lang === 'en'
                ? 'No subscriptions here. Write `subscribe` (or `subscribe vault <name>`) to get incident cards.'
                : 'Brak subskrypcji w tej rozmowie. Napisz `subscribe` (albo `subscribe vault <nazwa>`), aby otrzymywać karty incydentów.'
              : `${lang === 'en' ? 'This conversation receives incident cards for:' : 'Ta rozmowa otrzymuje karty incydentów dla:'}\n${lines.join('\n')}`,
          );
          return;
        }
      }
    },
  );
}
