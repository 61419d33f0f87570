import { type TimeFormatter, troubleshootJobVerb } from '../../core/questions';
import { chooseLanguage } from '../../core/troubleshoot/ask';
import type { Interaction } from '../../features/interaction';
import { type QuestionAnswer, type QuestionFlow, type TroubleshootJobPayload, TroubleshootJobPayloadSchema } from '../../features/questions/question-flow';
import { type AdaptiveCardJson, renderCard } from './card-renderer';
import { teamsTime as teamsLocalTime } from './local-time';
import type { CardActionContext, CardActionResult, CommandContext } from './routing-types';
import { teamsActor } from './teams-actor';
import type { TeamsBot } from './teams-bot';

/** Teams shows these in the reader's own time zone and format. */
export const teamsTime: TimeFormatter = teamsLocalTime;

/**
 * Questions about real resources in Teams (the QuestionFlow feature): registered as a command,
 * so they are tried before code identification, plus the "Troubleshoot" button on a listed job.
 */
export function registerResourceQuestions(bot: TeamsBot, flow: QuestionFlow): void {
  bot.registerCommand(
    (text) => flow.recognises(text),
    async (ctx: CommandContext) => {
      const interaction: Interaction = { actor: teamsActor(ctx.sender), language: chooseLanguage('en', ctx.locale), place: { channel: 'msteams', conversationId: ctx.conversation.id } };
      const answer = await flow.ask(interaction, ctx.text, { formatTime: teamsTime, ...(ctx.utcOffsetMinutes !== undefined ? { utcOffsetMinutes: ctx.utcOffsetMinutes } : {}) }, (session) => ctx.messenger.send(bot.renderSessionCard(session)));
      // A session was posted by its publisher; everything else is one card.
      if (answer && answer.kind !== 'session') await ctx.messenger.send(cardOf(answer));
    },
  );

  bot.registerCardAction(
    troubleshootJobVerb,
    async (ctx: CardActionContext<TroubleshootJobPayload>): Promise<CardActionResult> => {
      const interaction: Interaction = { actor: teamsActor(ctx.sender), language: ctx.language, place: { channel: 'msteams', conversationId: ctx.conversation.id } };
      // The session's card is this turn's reply; its id is attached once Teams has posted it.
      const answer = await flow.troubleshootJob(interaction, ctx.payload, { formatTime: teamsTime }, async () => undefined);
      if (answer.kind === 'session') {
        const session = answer.session;
        return { card: bot.renderSessionCard(session), mode: 'reply', onPosted: async (activityId) => void (await flow.attachSession(session, activityId)) };
      }
      return { card: cardOf(answer), mode: 'reply' };
    },
    TroubleshootJobPayloadSchema,
  );
}

function cardOf(answer: Exclude<QuestionAnswer, { kind: 'session' }>): AdaptiveCardJson {
  switch (answer.kind) {
    case 'notice':
      return renderCard('notice', answer.view);
    case 'failed-backups':
      return renderCard('failed-backups', answer.view);
    case 'vault-status':
      return renderCard('vault-status', answer.view);
  }
}
