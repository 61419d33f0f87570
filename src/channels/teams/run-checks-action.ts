import { SessionPayloadSchema } from '../../core/views/card-actions';
import { RunChecksVerb, type RunChecksFlow } from '../../features/checks/run-checks-flow';
import { renderCard } from './card-renderer';
import type { CardActionResult } from './routing-types';
import { teamsActor } from './teams-actor';
import type { TeamsBot } from './teams-bot';

/**
 * "Run checks" on Teams cards (the RunChecksFlow feature): the button under the current cause
 * of every troubleshooting card whose session names a VM, and the press, which updates the
 * same card in place with every cause's verdict, in the documented order.
 */
export function registerRunChecksAction(bot: TeamsBot, flow: RunChecksFlow): void {
  bot.registerTroubleshootActions((session, causeId, language) => flow.offers(session, causeId, language));
  bot.registerCardAction(
    RunChecksVerb,
    async (ctx): Promise<CardActionResult> => {
      const answer = await flow.run({ actor: teamsActor(ctx.sender), language: ctx.language, place: { channel: 'msteams', conversationId: ctx.conversation.id } }, ctx.payload.sessionId);
      if (answer.kind === 'checked') {
        const updated = answer.session;
        return { card: bot.renderSessionCard(updated), ...(updated.activityId === undefined ? {} : { activityId: updated.activityId }) };
      }
      const card = renderCard('notice', answer.view);
      // Only an ended session rewrites its own card; a refusal or "which VM?" is the presser's alone.
      if (answer.show === 'replace') return { card, ...(answer.session?.activityId ? { activityId: answer.session.activityId } : { mode: 'respond' }) };
      return { card, mode: answer.show === 'reply' ? 'reply' : 'respond' };
    },
    SessionPayloadSchema,
  );
}
