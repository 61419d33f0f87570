import type { AzurePort, VmRef } from '../../core/azure-port';
import type { Actor } from '../../core/remediation/actor';
import type { OperatorDecision } from '../../core/remediation/policy';
import { withDeadline } from '../../core/azure-lookup/azure-deadline';
import { checkTargetNotice, resolveCheckTarget } from '../../core/checks/check-target';
import { defaultCheckTimeoutInMs, runChecksForCode } from '../../core/checks/run-checks';
import { causeChecksOf } from '../../core/checks/session-evidence';
import type { KnowledgeBase } from '../../core/knowledge/knowledge-base';
import { type Clock, systemClock } from '../../core/ports';
import type { TroubleshootService } from '../../core/troubleshoot/troubleshoot-service';
import { SessionPayloadSchema, sessionButton } from '../../core/views/card-actions';
import { buildExpiredView, buildInvalidActionView, buildSessionNotFoundView } from '../../core/views/conversation-views';
import type { Logger } from '../../logger';
import { renderCard } from './card-renderer';
import type { CardActionContext, CardActionResult } from './routing-types';
import { teamsActor } from './teams-actor';
import type { TeamsBot } from './teams-bot';

/** The "Run checks" button on the troubleshooting card. */
export const RunChecksVerb = 'checks.run';

/** Finding the VM and the checks together, leaving the invoke time to record and render. */
export const defaultTurnBudgetMs = 8_000;

export interface RunChecksActionDeps {
  readonly knowledge: KnowledgeBase;
  readonly troubleshoot: TroubleshootService;
  readonly azure: AzurePort;
  /**
   * From the fix policy (issue 5): may checks read this VM's guest with read-only run commands
   * for the person who pressed? (decideReadOnlyRunCommand: operators only, VMs in the policy's scope.)
   */
  readonly allowReadOnlyRunCommand: (presser: Actor, vm: VmRef) => boolean | OperatorDecision;
  /** Per check; default 8000, and never past the turn's budget. */
  readonly timeoutInMs?: number;
  /**
   * One budget for the whole press: finding the VM and every check (default 8 s; a Teams invoke
   * must answer within about 10 s). Past it the card says Azure did not answer in time.
   */
  readonly turnBudgetMs?: number;
  /** When the checks ran (recorded on the session); default the system clock. */
  readonly clock?: Clock;
  readonly logger?: Logger;
}

export const runChecksLabels = {
  runChecks: { en: 'Run checks', pl: 'Sprawdź w Azure' },
  runAgain: { en: 'Run checks again', pl: 'Sprawdź ponownie' },
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
  // One clock for the judgement ("stuck for N minutes") and the recorded checkedAt.
  const clock = deps.clock ?? systemClock;
  return withDeadline(deps.turnBudgetMs ?? defaultTurnBudgetMs, async (deadline) => {
    const lookup = await resolveCheckTarget(deps.azure, session.target ?? {}, deadline);
    if (lookup.kind !== 'found') {
      return { card: renderCard('notice', { ...checkTargetNotice(lookup, language), actions: [] }), mode: 'reply' };
    }
    const target = lookup.target;
    const checkedAt = clock.now();
    const permission = deps.allowReadOnlyRunCommand(teamsActor(ctx.sender), target.vm);
    // The refusal says why on the check's evidence line (who may, whom to ask), not a generic "not allowed".
    const runCommandRefusal = typeof permission === 'object' && !permission.allowed ? permission.message : undefined;
    const report = await runChecksForCode(deps.knowledge, session.codeId, target, deps.azure, {
      allowReadOnlyRunCommand: typeof permission === 'boolean' ? permission : permission.allowed,
      ...(runCommandRefusal ? { runCommandRefusal } : {}),
      clock,
      abortSignal: deadline.signal,
      timeoutInMs: Math.max(1, Math.min(deps.timeoutInMs ?? defaultCheckTimeoutInMs, deadline.remainingMs())),
    });
    deps.logger?.info({ sessionId: session.id, codeId: session.codeId, vm: target.vm.name, durationInMs: Math.round(report.durationInMs), likely: report.firstLikelyCauseIndex }, 'checks ran');
    const recorded = await deps.troubleshoot.recordEvidence(session.id, causeChecksOf(report), checkedAt, { target: target.vm.name });
    // The session may have expired while Azure answered: say so rather than show a card whose buttons no longer work.
    if (recorded.kind !== 'ok') return { card: renderCard('notice', buildExpiredView(language, deps.troubleshoot.ttlHours)) };
    const updated = recorded.session;
    return { card: bot.renderSessionCard(updated), ...(updated.activityId === undefined ? {} : { activityId: updated.activityId }) };
  });
}
