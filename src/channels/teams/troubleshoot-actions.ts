import type { StepAction } from '../../core/troubleshoot/session';
import type { SessionResult } from '../../core/troubleshoot/troubleshoot-service';
import type { TroubleshootService } from '../../core/troubleshoot/troubleshoot-service';
import { EmptyPayloadSchema, GoToPayloadSchema, StartPayloadSchema, StepPayloadSchema, Verbs } from '../../core/views/card-actions';
import { buildCodesView, buildExpiredView, buildHelpView, buildInvalidActionView, buildMovedOnView, buildSessionNotFoundView } from '../../core/views/conversation-views';
import type { KnowledgeLookup } from '../../core/views/knowledge-lookup';
import { safeFindCode } from '../../core/views/knowledge-lookup';
import { renderCard } from './card-renderer';
import type { CardActionContext, CardActionHandler, CardActionResult } from './routing-types';
import type { TeamsBot } from './teams-bot';

interface Deps {
  readonly knowledge: KnowledgeLookup;
  readonly troubleshoot: TroubleshootService;
}

/** The built-in buttons: stepping a session, starting one from a code, help and codes. */
export function registerBuiltInCardActions(bot: TeamsBot, deps: Deps): void {
  const stepHandler =
    (toAction: (ctx: CardActionContext<StepPress>) => StepAction): CardActionHandler<StepPress> =>
    async (ctx) => {
      const loaded = await deps.troubleshoot.load(ctx.payload.sessionId);
      // A session id from another conversation is treated as forged: ids never travel between chats.
      if (loaded.kind !== 'not-found' && loaded.session.conversationId !== ctx.conversation.id) return invalid(ctx);
      if (loaded.kind !== 'ok') return sessionProblem(loaded, ctx, deps.troubleshoot.ttlHours);
      const stepped = await deps.troubleshoot.step(ctx.payload.sessionId, toAction(ctx), ctx.payload.at);
      if (stepped.kind !== 'ok') return sessionProblem(stepped, ctx, deps.troubleshoot.ttlHours);
      const session = stepped.session;
      return { card: bot.renderSessionCard(session, ctx.sender.name), ...(session.activityId ? { activityId: session.activityId } : {}) };
    };

  /**
   * Someone else's press got there first (or this one was delivered twice): nothing moves, and the
   * presser's view shows where the session stands. An old client's Action.Submit has no view to
   * refresh, so it hears why in a line of its own rather than in a second copy of the card.
   */
  const sessionProblem = (result: Exclude<SessionResult, { kind: 'ok' }>, ctx: CardActionContext<unknown>, ttlHours: number): CardActionResult => {
    if (result.kind !== 'moved') return refusal(result, ctx, ttlHours);
    if (ctx.via === 'invoke') return { card: bot.renderSessionCard(result.session), mode: 'respond' };
    return { card: renderCard('notice', buildMovedOnView(result.session.language)), mode: 'respond' };
  };

  bot.registerCardAction(Verbs.next, stepHandler(() => ({ kind: 'next' })), StepPayloadSchema);
  bot.registerCardAction(Verbs.previous, stepHandler((ctx) => (ctx.payload.reopen ? { kind: 'reopen' } : { kind: 'previous' })), StepPayloadSchema);
  bot.registerCardAction(Verbs.fixed, stepHandler(() => ({ kind: 'fixed' })), StepPayloadSchema);
  bot.registerCardAction(Verbs.stillFailing, stepHandler(() => ({ kind: 'still-failing' })), StepPayloadSchema);
  bot.registerCardAction(Verbs.goTo, stepHandler((ctx) => ({ kind: 'go-to', index: ctx.payload.index ?? 0 })), GoToPayloadSchema);

  // A code chosen on the choose-code or unknown card: the troubleshooting card replaces it (the codes list stays).
  bot.registerCardAction(
    Verbs.start,
    async (ctx) => {
      const code = safeFindCode(deps.knowledge, ctx.payload.codeId);
      if (!code) return invalid(ctx);
      // Only a "which code?" card the bot posted here is replaced; a press naming any other message is answered with a new one.
      const replaces = ctx.activityId !== undefined && bot.isPostedPicker(ctx.conversation.id, ctx.activityId);
      const session = await deps.troubleshoot.start({
        codeId: code.id,
        language: ctx.language,
        conversationId: ctx.conversation.id,
        createdBy: ctx.sender.aadObjectId ?? ctx.sender.id,
        ...(replaces && ctx.activityId ? { activityId: ctx.activityId } : {}),
      });
      const card = bot.renderSessionCard(session);
      if (replaces) return { card };
      const onPosted = async (id: string): Promise<void> => void (await deps.troubleshoot.attachActivity(session, id));
      return ctx.activityId ? { card, mode: 'reply', onPosted } : { card, onPosted };
    },
    StartPayloadSchema,
  );

  bot.registerCardAction(Verbs.help, async (ctx) => ({ card: renderCard('help', buildHelpView(ctx.language)), mode: 'reply' }), EmptyPayloadSchema);
  bot.registerCardAction(Verbs.codes, async (ctx) => ({ card: renderCard('codes', buildCodesView(deps.knowledge, ctx.language)), mode: 'reply' }), EmptyPayloadSchema);
}

type StepPress = { readonly sessionId: string; readonly index?: number; readonly at?: number; readonly reopen?: true };

/**
 * A refused press is answered to the presser alone: the pressed message may be anyone's card
 * (a live session, a pending fix approval), and a stale or forged button must not overwrite it.
 */
function invalid(ctx: CardActionContext<unknown>): CardActionResult {
  return { card: renderCard('notice', buildInvalidActionView(ctx.language)), mode: 'respond' };
}

function refusal(result: Exclude<SessionResult, { kind: 'ok' | 'moved' }>, ctx: CardActionContext<unknown>, ttlHours: number): CardActionResult {
  switch (result.kind) {
    case 'not-found':
      return { card: renderCard('notice', buildSessionNotFoundView(ctx.language)), mode: 'respond' };
    case 'expired': {
      // An ended session is everyone's news, but only on the session's own card.
      const card = renderCard('notice', buildExpiredView(result.session.language, ttlHours));
      return result.session.activityId ? { card, activityId: result.session.activityId } : { card, mode: 'respond' };
    }
    case 'invalid':
      return { card: renderCard('notice', buildInvalidActionView(result.session.language)), mode: 'respond' };
  }
}
