import type { ConversationReference } from 'botbuilder';
import { SweepVerbs } from '../../core/sweep/sweep-digest-view';
import type { DigestSender } from '../../features/sweep/digest-senders';
import { fitCard } from './fit-card';
import type { CardSender } from './proactive-sender';
import { conversationReferenceOf } from './subscription-commands';
import type { NoticeView } from '../../core/views/conversation-views';
import type { Logger } from '../../logger';
import { chooseLanguage } from '../../core/troubleshoot/ask';
import type { FixFlow, FixReply } from '../../features/fixes/fix-flow';
import type { Interaction } from '../../features/interaction';
import { type SweepFixPayload, SweepFixPayloadSchema, type SweepFlow, type SweepVmPayload, SweepVmPayloadSchema } from '../../features/sweep/sweep-flow';
import { renderCard } from './card-renderer';
import { teamsFixCard } from './fix-actions';
import type { CardActionContext, CardActionResult, CommandContext } from './routing-types';
import { teamsActor } from './teams-actor';
import type { TeamsBot } from './teams-bot';

/**
 * A row with its evidence and three buttons (each with its Action.Submit fallback) takes up to
 * about 1.9 KB, so 12 rows keep a digest of long names under Teams' 28 KB; fitCard still
 * shortens anything that would not fit.
 */
export const teamsDigestFit = { maxVms: 12 } as const;

/** Where the digest is written once the sweep is done: the "sweeping" message, updated proactively. */
export interface DigestDelivery {
  readonly cards: CardSender;
  readonly appId: string;
  readonly logger: Logger;
}

/**
 * The fleet sweep in Teams: `at risk` / `health` (`zagrożone` / `kondycja`) and the digest's buttons.
 * A sweep of a large fleet outlasts a turn (Teams wants its answer within seconds and retries a
 * slow one), so the turn only posts "sweeping…"; the digest replaces that message when the sweep ends.
 */
export function registerSweepActions(bot: TeamsBot, flow: SweepFlow, fixes: FixFlow | undefined, delivery: DigestDelivery): void {
  bot.registerCommand(
    (text) => flow.recognises(text) !== undefined,
    async (ctx: CommandContext) => {
      const language = flow.recognises(ctx.text) ?? chooseLanguage('en', ctx.locale);
      const messageId = await ctx.messenger.send(renderCard('notice', sweepingView(language)));
      const reference = conversationReferenceOf(ctx.conversation, delivery.appId);
      void flow
        .runNow(language, teamsDigestFit)
        .then((answer) => delivery.cards.deliver(reference, answer.kind === 'digest' ? renderCard('sweep-digest', answer.view) : renderCard('notice', answer.view), messageId))
        .catch((error: unknown) => delivery.logger.warn({ err: error, conversation: ctx.conversation.id }, 'fleet digest could not be delivered'));
    },
  );

  bot.registerCardAction(
    SweepVerbs.troubleshoot,
    async (ctx: CardActionContext<SweepVmPayload>): Promise<CardActionResult> => {
      const answer = await flow.troubleshoot(interactionOf(ctx), ctx.payload);
      if (answer.kind === 'notice') return { card: renderCard('notice', answer.view), mode: 'reply' };
      const session = answer.session;
      // The session's card is this turn's reply; its id is attached once Teams has posted it, so its buttons update it in place.
      return { card: bot.renderSessionCard(session), mode: 'reply', onPosted: async (activityId) => void (await flow.attachSession(session, activityId)) };
    },
    SweepVmPayloadSchema,
  );

  // Fix buttons exist only with the approval flow.
  if (!fixes) return;
  bot.registerCardAction(
    SweepVerbs.fix,
    async (ctx: CardActionContext<SweepFixPayload>): Promise<CardActionResult> => {
      const interaction = interactionOf(ctx);
      // The policy and the audit name people by their Entra object id: a press without one cannot be judged.
      if (!ctx.sender.aadObjectId) return renderReply(await fixes.refuse(interaction, 'plan', 'unverified-identity', { fixId: ctx.payload.fixId, detail: 'no from.aadObjectId on the activity' }), fixes);
      const answer = await flow.planFix(interaction, ctx.payload);
      return answer.kind === 'notice' ? { card: renderCard('notice', answer.view), mode: 'reply' } : renderReply(answer.reply, fixes);
    },
    SweepFixPayloadSchema,
    // A fix press whose data is not a digest row's is tampering: refused and audited like the fix buttons'.
    async (ctx, detail) => renderReply(await fixes.refuse(interactionOf(ctx), 'plan', 'tampered', { detail: `sweep row: ${detail}` }), fixes),
  );
}

function sweepingView(language: 'en' | 'pl'): NoticeView {
  return language === 'pl'
    ? { title: '⏳ Sprawdzam maszyny…', text: 'Sprawdzam każdą chronioną maszynę; wynik zastąpi tę wiadomość.', actions: [] }
    : { title: '⏳ Sweeping the fleet…', text: 'Checking every protected VM; the digest will replace this message.', actions: [] };
}

function interactionOf(ctx: CardActionContext<unknown>): Interaction {
  return { actor: teamsActor(ctx.sender), language: ctx.language, place: { channel: 'msteams', conversationId: ctx.conversation.id, ...(ctx.conversation.serviceUrl ? { serviceUrl: ctx.conversation.serviceUrl } : {}) } };
}

/** The plan (or a refusal) next to the digest, which stays as it is for everyone else. */
function renderReply(reply: FixReply, fixes: FixFlow): CardActionResult {
  const card = teamsFixCard(reply.view, reply.pending, fixes.policy);
  return reply.show === 'presser' ? { card, mode: 'respond' } : { card, mode: 'reply', ...(reply.onPosted ? { onPosted: reply.onPosted } : {}) };
}

/** The scheduled digest on Teams: the card fitted to Teams' size limit, posted or updated with the subscription's stored reference. */
export function teamsDigestSender(cards: CardSender): DigestSender {
  return {
    fit: teamsDigestFit,
    deliver: (subscription, view, language, messageId) =>
      cards.deliver(subscription.conversationReference as Partial<ConversationReference>, fitCard(renderCard('sweep-digest', view), { more: { url: vmBackupTroubleshootingUrl, label: language === 'pl' ? 'Więcej' : 'Read more' } }), messageId),
  };
}

const vmBackupTroubleshootingUrl = 'https://learn.microsoft.com/azure/backup/backup-azure-vms-troubleshoot';
