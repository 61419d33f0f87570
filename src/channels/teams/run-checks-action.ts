import type { AzurePort } from '../../core/azure-port';
import { resolveCheckTarget } from '../../core/checks/check-target';
import { runChecksForCode } from '../../core/checks/run-checks';
import { causeChecksOf } from '../../core/checks/session-evidence';
import type { KnowledgeBase } from '../../core/knowledge/knowledge-base';
import type { Clock } from '../../core/ports';
import type { TroubleshootService } from '../../core/troubleshoot/troubleshoot-service';
import { SessionPayloadSchema, sessionButton } from '../../core/views/card-actions';
import { buildExpiredView, buildInvalidActionView, buildSessionNotFoundView } from '../../core/views/conversation-views';
import type { Logger } from '../../logger';
import { renderCard } from './card-renderer';
import type { CardActionContext, CardActionResult } from './routing-types';
import type { TeamsBot } from './teams-bot';

/** The "Run checks" button on the troubleshooting card. */
export const RunChecksVerb = 'checks.run';

export interface RunChecksActionDeps {
  readonly knowledge: KnowledgeBase;
  readonly troubleshoot: TroubleshootService;
  readonly azure: AzurePort;
  /** From the fix policy (issue 5): may checks read the guest with read-only run commands? */
  readonly allowReadOnlyRunCommand: () => boolean;
  /** Per check; default 8000. */
  readonly timeoutInMs?: number;
  /** When the checks ran (recorded on the session); default the system clock. */
  readonly clock?: Clock;
  readonly logger?: Logger;
}

export const runChecksLabels = {
  runChecks: { en: 'Run checks', pl: 'Sprawdź w Azure' },
  runAgain: { en: 'Run checks again', pl: 'Sprawdź ponownie' },
  noTargetTitle: { en: 'Which VM?', pl: 'Która maszyna?' },
  noTarget: {
    en: 'This troubleshooting card is not tied to a VM the bot can find in Azure, so there is nothing to check. Ask "why did the backup of <vm> fail?" to open a card for a VM.',
    pl: 'Ta karta nie dotyczy maszyny, którą bot może znaleźć w Azure, więc nie ma czego sprawdzać. Zapytaj „dlaczego nie udała się kopia zapasowa <maszyna>?”, aby otworzyć kartę dla maszyny.',
  },
} as const;

/**
 * Wires "Run checks": a button under the current cause of every troubleshooting card whose
 * session names a VM ("Run checks again" once they ran), and the action that runs every check
 * of the code in parallel, records each cause's verdict and evidence on the session, and
 * updates the same card in place: the cause list in the documented order marked ruled out /
 * likely / unknown, "Go to likely cause", and the current cause still the one the user was on.
 */
export function registerRunChecksAction(bot: TeamsBot, deps: RunChecksActionDeps): void {
  bot.registerTroubleshootActions((session, causeId, language) =>
    session.target?.vm !== undefined && causeId !== undefined && session.outcome === undefined
      ? [sessionButton((session.checks === undefined ? runChecksLabels.runChecks : runChecksLabels.runAgain)[language], RunChecksVerb, session.id)]
      : [],
  );
  bot.registerCardAction(RunChecksVerb, (ctx) => runChecksAction(bot, ctx, deps), SessionPayloadSchema);
}

async function runChecksAction(bot: TeamsBot, ctx: CardActionContext<{ sessionId: string }>, deps: RunChecksActionDeps): Promise<CardActionResult> {
  const loaded = await deps.troubleshoot.load(ctx.payload.sessionId);
  if (loaded.kind === 'not-found') return { card: renderCard('notice', buildSessionNotFoundView(ctx.language)) };
  // Ids never travel between conversations: one from elsewhere is treated as forged.
  if (loaded.session.conversationId !== ctx.conversation.id) return { card: renderCard('notice', buildInvalidActionView(ctx.language)) };
  if (loaded.kind !== 'ok') return { card: renderCard('notice', buildExpiredView(loaded.session.language, deps.troubleshoot.ttlHours)) };
  const session = loaded.session;
  const language = session.language;
  const target = await resolveCheckTarget(deps.azure, session.target ?? {});
  if (target === undefined) {
    return { card: renderCard('notice', { title: runChecksLabels.noTargetTitle[language], text: runChecksLabels.noTarget[language], actions: [] }), mode: 'reply' };
  }
  const checkedAt = deps.clock?.now() ?? new Date();
  const report = await runChecksForCode(deps.knowledge, session.codeId, target, deps.azure, {
    allowReadOnlyRunCommand: deps.allowReadOnlyRunCommand(),
    ...(deps.timeoutInMs === undefined ? {} : { timeoutInMs: deps.timeoutInMs }),
  });
  deps.logger?.info({ sessionId: session.id, codeId: session.codeId, vm: target.vm.name, durationInMs: Math.round(report.durationInMs), likely: report.firstLikelyCauseIndex }, 'checks ran');
  const recorded = await deps.troubleshoot.recordEvidence(session.id, causeChecksOf(report), checkedAt, { target: target.vm.name });
  // The session may have expired while Azure answered: say so rather than show a card whose buttons no longer work.
  if (recorded.kind !== 'ok') return { card: renderCard('notice', buildExpiredView(language, deps.troubleshoot.ttlHours)) };
  const updated = recorded.session;
  return { card: bot.renderSessionCard(updated), ...(updated.activityId === undefined ? {} : { activityId: updated.activityId }) };
}
