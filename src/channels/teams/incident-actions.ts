import { troubleshootVerb } from '../../core/incidents/incident-view';
import type { SharedIncidentStore } from '../../core/incidents/ports';
import type { TroubleshootService } from '../../core/troubleshoot/troubleshoot-service';
import { buildInvalidActionView } from '../../core/views/conversation-views';
import { TroubleshootIncidentPayloadSchema, troubleshootIncidentVm } from '../../features/incidents/troubleshoot-incident';
import { renderCard } from './card-renderer';
import { teamsActor } from './teams-actor';
import type { TeamsBot } from './teams-bot';

export interface IncidentActionDeps {
  readonly incidents: Pick<SharedIncidentStore, 'get'>;
  readonly troubleshoot: TroubleshootService;
}

/** "Troubleshoot <vm>" on an incident card: the troubleshooting card is posted as a reply; the incident card stays. */
export function registerIncidentActions(bot: TeamsBot, deps: IncidentActionDeps): void {
  bot.registerCardAction(
    troubleshootVerb,
    async (ctx) => {
      const session = await troubleshootIncidentVm(deps, { actor: teamsActor(ctx.sender), language: ctx.language, place: { channel: 'msteams', conversationId: ctx.conversation.id } }, ctx.payload);
      if (!session) return { card: renderCard('notice', buildInvalidActionView(ctx.language)), mode: 'reply' };
      return { card: bot.renderSessionCard(session), mode: 'reply', onPosted: async (activityId) => void (await deps.troubleshoot.attachActivity(session, activityId)) };
    },
    TroubleshootIncidentPayloadSchema,
  );
}
