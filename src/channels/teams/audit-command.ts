import { AuditCommand, type AuditQuery } from '../../features/audit/audit-query';
import { renderFixCard } from './fix-cards';
import { teamsActor } from './teams-actor';
import type { TeamsBot } from './teams-bot';

/** `@Backup Doctor audit [vm]` in Teams (the AuditQuery feature). */
export function registerAuditCommand(bot: TeamsBot, query: AuditQuery): void {
  bot.registerCommand(AuditCommand, async (ctx) => {
    // Teams has no reply only the asker sees: the audit is shown in a personal chat only.
    const shownTo = ctx.conversation.type === 'personal' ? 'asker' : 'conversation';
    const answer = await query.answer({ actor: teamsActor(ctx.sender), language: ctx.language, place: { channel: 'msteams', conversationId: ctx.conversation.id } }, ctx.match?.[1], shownTo);
    if (answer.kind === 'text') await ctx.messenger.sendText(answer.text);
    else await ctx.messenger.send(renderFixCard('fix-audit', answer.view));
  });
}
