import type { AzurePort, VmRef } from '../../core/azure-port';
import { type AzureDeadline, withDeadline } from '../../core/azure-lookup/azure-deadline';
import { checkTargetNotice, resolveCheckTarget } from '../../core/checks/check-target';
import type { AnyCheckTarget } from '../../core/checks/check-types';
import { datasourceTargetNotice, resolveDatasourceTarget } from '../../core/checks/datasource-target';
import { fileShareTargetNotice, resolveFileShareTarget } from '../../core/checks/file-share-target';
import { defaultCheckTimeoutInMs, runChecksForCode } from '../../core/checks/run-checks';
import { causeChecksOf } from '../../core/checks/session-evidence';
import type { KnowledgeBase } from '../../core/knowledge/knowledge-base';
import type { Language, LocalizedText } from '../../core/knowledge/schema';
import { type Clock, systemClock } from '../../core/ports';
import { type Actor, actorKey } from '../../core/remediation/actor';
import type { OperatorDecision } from '../../core/remediation/policy';
import type { TroubleshootSession } from '../../core/troubleshoot/session';
import type { TroubleshootService } from '../../core/troubleshoot/troubleshoot-service';
import { type CardButton, sessionButton } from '../../core/views/card-actions';
import { buildExpiredView, buildInvalidActionView, buildSessionNotFoundView, type NoticeView } from '../../core/views/conversation-views';
import type { Logger } from '../../logger';
import type { Interaction } from '../interaction';

/** The "Run checks" button's verb, the same in every channel. */
export const RunChecksVerb = 'checks.run';

/** Finding the VM and the checks together, leaving the turn time to record and render (a Teams invoke must answer within about 10 s). */
export const defaultTurnBudgetMs = 8_000;

export const runChecksLabels = {
  runChecks: { en: 'Run checks', pl: 'Sprawdź w Azure' },
  runAgain: { en: 'Run checks again', pl: 'Sprawdź ponownie' },
} as const;

export interface RunChecksDeps {
  readonly knowledge: KnowledgeBase;
  readonly troubleshoot: TroubleshootService;
  readonly azure: AzurePort;
  /** May checks read this VM's guest with a read-only run command for this person? The fix policy decides. */
  readonly allowReadOnlyRunCommand: (presser: Actor, vm: VmRef) => boolean | OperatorDecision;
  /** Per check; default 8000, and never past the turn's budget. */
  readonly timeoutInMs?: number;
  /** One budget for the whole press: finding the VM and every check. Past it, the answer says Azure did not answer in time. */
  readonly turnBudgetMs?: number;
  /** When the checks ran (recorded on the session); default the system clock. */
  readonly clock?: Clock;
  readonly logger?: Logger;
}

/**
 * What a press of "Run checks" gives: the session with every cause's verdict and evidence
 * recorded (the channel re-renders its troubleshooting message in place), or a notice: the
 * session is gone, expired or not this conversation's, or the VM cannot be found.
 */
export type RunChecksAnswer =
  | { readonly kind: 'checked'; readonly session: TroubleshootSession }
  /** 'replace' (an ended session) names the session, whose own message is the one to rewrite. */
  | { readonly kind: 'notice'; readonly view: NoticeView; readonly show: 'replace' | 'reply' | 'presser'; readonly session?: TroubleshootSession };

/**
 * "Run checks", for every channel: every check of the session's code in parallel, under one
 * budget, each cause's verdict and evidence recorded on the session, so the troubleshooting
 * message shows them in the documented order from then on.
 */
export class RunChecksFlow {
  /** Runs in progress on this instance, by session and presser: a second press while one runs waits for it instead of asking Azure again. */
  private readonly running = new Map<string, Promise<RunChecksAnswer>>();

  constructor(private readonly deps: RunChecksDeps) {}

  /** The button under the current cause of a troubleshooting message that names a VM, or a disk or storage account in a Backup vault. */
  offers(session: TroubleshootSession, causeId: string | undefined, language: Language): CardButton[] {
    if ((session.target?.vm === undefined && session.target?.datasource === undefined && session.target?.fileShare === undefined) || causeId === undefined || session.outcome !== undefined) return [];
    return [sessionButton((session.checks === undefined ? runChecksLabels.runChecks : runChecksLabels.runAgain)[language], RunChecksVerb, session.id)];
  }

  async run(i: Interaction, sessionId: string): Promise<RunChecksAnswer> {
    const { deps } = this;
    const loaded = await deps.troubleshoot.load(sessionId);
    if (loaded.kind === 'not-found') return { kind: 'notice', view: buildSessionNotFoundView(i.language), show: 'presser' };
    // Ids never travel between conversations: one from elsewhere is treated as forged.
    if (loaded.session.conversationId !== i.place.conversationId) return { kind: 'notice', view: buildInvalidActionView(i.language), show: 'presser' };
    if (loaded.kind !== 'ok') return { kind: 'notice', view: buildExpiredView(loaded.session.language, deps.troubleshoot.ttlHours), show: 'replace', session: loaded.session };
    const session = loaded.session;
    // A press delivered twice, or pressed again while it runs, shares the run: each check (a guest run
    // command among them) runs once. The run is the presser's own: what it may read in the guest is
    // decided by who pressed, so another person's press never rides on it.
    const key = `${session.id}\u0000${actorKey(i.actor)}`;
    const inFlight = this.running.get(key);
    if (inFlight !== undefined) return inFlight;
    const run = this.runChecks(i, session).finally(() => this.running.delete(key));
    this.running.set(key, run);
    return run;
  }

  private async runChecks(i: Interaction, session: TroubleshootSession): Promise<RunChecksAnswer> {
    const { deps } = this;
    const language = session.language;
    // One clock for the judgement ("stuck for N minutes") and the recorded checkedAt.
    const clock = deps.clock ?? systemClock;
    return withDeadline(deps.turnBudgetMs ?? defaultTurnBudgetMs, async (deadline) => {
      const found = await this.findTarget(i, session, deadline);
      if (found.kind === 'notice') return { kind: 'notice' as const, view: { ...found.notice, actions: [] }, show: 'reply' as const };
      const { target, name, allowReadOnlyRunCommand, runCommandRefusal } = found;
      const checkedAt = clock.now();
      const report = await runChecksForCode(deps.knowledge, session.codeId, target, deps.azure, {
        allowReadOnlyRunCommand,
        ...(runCommandRefusal ? { runCommandRefusal } : {}),
        clock,
        abortSignal: deadline.signal,
        timeoutInMs: Math.max(1, Math.min(deps.timeoutInMs ?? defaultCheckTimeoutInMs, deadline.remainingMs())),
      });
      deps.logger?.info({ sessionId: session.id, codeId: session.codeId, target: name, durationInMs: Math.round(report.durationInMs), likely: report.firstLikelyCauseIndex }, 'checks ran');
      const recorded = await deps.troubleshoot.recordEvidence(session.id, causeChecksOf(report), checkedAt, { target: name });
      // The session may have expired while Azure answered: say so rather than show a message whose buttons no longer work.
      if (recorded.kind !== 'ok') return { kind: 'notice' as const, view: buildExpiredView(language, deps.troubleshoot.ttlHours), show: 'replace' as const, ...(recorded.kind === 'not-found' ? {} : { session: recorded.session }) };
      return { kind: 'checked' as const, session: recorded.session };
    });
  }

  /**
   * What the session's target is in Azure, looked up on the server from what the session (and
   * through it the stored incident) says: a VM the vaults protect, or a backup instance of the
   * Backup vault the alert named. Nothing from the card is trusted beyond the session id.
   */
  private async findTarget(
    i: Interaction,
    session: TroubleshootSession,
    deadline: AzureDeadline,
  ): Promise<
    | { readonly kind: 'found'; readonly target: AnyCheckTarget; readonly name: string; readonly allowReadOnlyRunCommand: boolean; readonly runCommandRefusal?: LocalizedText }
    | { readonly kind: 'notice'; readonly notice: { readonly title: string; readonly text: string } }
  > {
    const { deps } = this;
    const language = session.language;
    const fileShare = session.target?.fileShare;
    if (fileShare !== undefined) {
      const target = resolveFileShareTarget(fileShare, session.target?.subscriptionId);
      if (target === undefined) return { kind: 'notice', notice: fileShareTargetNotice(fileShare, language) };
      return { kind: 'found', target, name: `${fileShare.share} (${fileShare.storageAccount})`, allowReadOnlyRunCommand: false };
    }
    const datasource = session.target?.datasource;
    if (datasource !== undefined) {
      const lookup = await resolveDatasourceTarget(deps.azure, { datasource, ...(session.target?.vault ? { vault: session.target.vault } : {}), ...(session.target?.subscriptionId ? { subscriptionId: session.target.subscriptionId } : {}) }, deadline);
      if (lookup.kind !== 'found') return { kind: 'notice', notice: datasourceTargetNotice(lookup, language) };
      // No guest to read: the run-command permission does not apply.
      return { kind: 'found', target: lookup.target, name: datasource.name, allowReadOnlyRunCommand: false };
    }
    const lookup = await resolveCheckTarget(deps.azure, session.target ?? {}, deadline);
    if (lookup.kind !== 'found') return { kind: 'notice', notice: checkTargetNotice(lookup, language) };
    const target = lookup.target;
    const permission = deps.allowReadOnlyRunCommand(i.actor, target.vm);
    // A refusal says why on the check's evidence line (who may, whom to ask), not a generic "not allowed".
    const runCommandRefusal = typeof permission === 'object' && !permission.allowed ? permission.message : undefined;
    return {
      kind: 'found',
      target,
      name: target.vm.name,
      allowReadOnlyRunCommand: typeof permission === 'boolean' ? permission : permission.allowed,
      ...(runCommandRefusal ? { runCommandRefusal } : {}),
    };
  }
}
