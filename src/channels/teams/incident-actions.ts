import { z } from 'zod';
import type { IncidentStore } from '../../core/incidents/ports';
import { troubleshootVerb } from '../../core/incidents/incident-view';
import { PayloadVersion } from '../../core/views/card-actions';
import { buildInvalidActionView } from '../../core/views/conversation-views';
import type { TroubleshootService } from '../../core/troubleshoot/troubleshoot-service';
import { renderCard } from './card-renderer';
import type { TeamsBot } from './teams-bot';

export const TroubleshootIncidentPayloadSchema = z.object({
  v: z.literal(PayloadVersion),
  incidentId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
  vm: z.string().min(1).max(64),
});

export interface IncidentActionDeps {
  readonly incidents: IncidentStore;
  readonly troubleshoot: TroubleshootService;
}

/**
 * "Troubleshoot <vm>" on an incident card: opens the same stepping flow a question does, with
 * the vault, VM and job filled in from the stored incident (the card carries only ids). The
 * incident card stays; the troubleshooting card is posted as a reply.
 */
export function registerIncidentActions(bot: TeamsBot, deps: IncidentActionDeps): void {
  bot.registerCardAction(
    troubleshootVerb,
    async (ctx) => {
      const incident = deps.incidents.get(ctx.payload.incidentId);
      const vm = incident?.vms.find((v) => v.key === ctx.payload.vm);
      if (!incident || !vm || !incident.code) {
        return { card: renderCard('notice', buildInvalidActionView(ctx.language)), mode: 'reply' };
      }
      let session;
      try {
        session = await deps.troubleshoot.start({
          codeId: incident.code,
          language: ctx.language,
          conversationId: ctx.conversation.id,
          createdBy: ctx.sender.aadObjectId ?? ctx.sender.id,
          target: {
            vm: vm.name,
            vault: incident.vault.name,
            ...(vm.jobId ? { jobId: vm.jobId } : {}),
            ...(incident.vault.subscriptionId ? { subscriptionId: incident.vault.subscriptionId } : {}),
            ...(vm.resourceGroup ? { resourceGroup: vm.resourceGroup } : {}),
          },
        });
      } catch {
        // A code outside the catalogue (stated by another tool) has no causes to step through.
        return { card: renderCard('notice', buildInvalidActionView(ctx.language)), mode: 'reply' };
      }
      return {
        card: bot.renderSessionCard(session),
        mode: 'reply',
        onPosted: async (activityId) => void (await deps.troubleshoot.attachActivity(session, activityId)),
      };
    },
    TroubleshootIncidentPayloadSchema,
  );
}
