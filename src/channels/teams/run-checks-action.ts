import { Template } from 'adaptivecards-templating';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AzurePort } from '../../core/azure-port';
import { buildCheckReportView, type CheckReportView } from '../../core/checks/check-report-view';
import { resolveCheckTarget } from '../../core/checks/check-target';
import { runChecksForCode } from '../../core/checks/run-checks';
import type { KnowledgeBase } from '../../core/knowledge/knowledge-base';
import type { Language } from '../../core/knowledge/schema';
import type { TroubleshootService } from '../../core/troubleshoot/troubleshoot-service';
import type { TroubleshootSession } from '../../core/troubleshoot/session';
import { type CardButton, PayloadVersion, SessionPayloadSchema, Verbs, sessionButton } from '../../core/views/card-actions';
import { buildInvalidActionView, buildSessionNotFoundView } from '../../core/views/conversation-views';
import type { Logger } from '../../logger';
import { type AdaptiveCardJson, cardsDirectory, renderCard, toTeamsButton } from './card-renderer';
import { expandCard } from './plain-text';
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
  readonly logger?: Logger;
}

const labels = {
  runChecks: { en: 'Run checks', pl: 'Sprawdź w Azure' },
  runAgain: { en: 'Run checks again', pl: 'Sprawdź ponownie' },
  backToCause: { en: 'Back to cause', pl: 'Wróć do przyczyny' },
  noTargetTitle: { en: 'Which VM?', pl: 'Która maszyna?' },
  noTarget: {
    en: 'This troubleshooting card is not tied to a VM the bot can find in Azure, so there is nothing to check. Ask "why did the backup of <vm> fail?" to open a card for a VM.',
    pl: 'Ta karta nie dotyczy maszyny, którą bot może znaleźć w Azure, więc nie ma czego sprawdzać. Zapytaj „dlaczego nie udała się kopia zapasowa <maszyna>?”, aby otworzyć kartę dla maszyny.',
  },
} as const;

/** What cards/check-results.json binds. */
export interface CheckResultsCardData {
  readonly heading: string;
  readonly subheading: string;
  readonly summary: string;
  readonly durationText: string;
  readonly causes: readonly {
    readonly line: string;
    readonly color: string;
    readonly checks: readonly { readonly line: string; readonly evidence: string; readonly manual: string; readonly hasManual: boolean }[];
  }[];
  readonly actions: readonly CardButton[];
}

/**
 * Wires "Run checks": a button on every troubleshooting card whose session names a VM, and
 * the action that runs every check of the code in parallel and shows, on the same message,
 * each cause in the documented order marked ruled out / likely / unknown with its evidence,
 * plus "Go to likely cause" and "Back to cause k" (both step the session with troubleshoot.goto).
 */
export function registerRunChecksAction(bot: TeamsBot, deps: RunChecksActionDeps): void {
  bot.registerTroubleshootActions((session, causeId, language) =>
    session.target?.vm !== undefined && causeId !== undefined && session.outcome === undefined ? [sessionButton(labels.runChecks[language], RunChecksVerb, session.id)] : [],
  );
  bot.registerCardAction(RunChecksVerb, (ctx) => runChecksAction(ctx, deps), SessionPayloadSchema);
}

async function runChecksAction(ctx: CardActionContext<{ sessionId: string }>, deps: RunChecksActionDeps): Promise<CardActionResult> {
  const loaded = await deps.troubleshoot.load(ctx.payload.sessionId);
  if (loaded.kind === 'not-found') return { card: renderCard('notice', buildSessionNotFoundView(ctx.language)) };
  const session = loaded.session;
  // Ids never travel between conversations; an expired session still shows its checks (they read, never change).
  if (session.conversationId !== ctx.conversation.id) return { card: renderCard('notice', buildInvalidActionView(ctx.language)) };
  const language = session.language;
  const into = session.activityId === undefined ? {} : { activityId: session.activityId };
  const target = await resolveCheckTarget(deps.azure, session.target ?? {});
  if (target === undefined) {
    return { card: renderCard('notice', { title: labels.noTargetTitle[language], text: labels.noTarget[language], actions: [] }), mode: 'reply' };
  }
  const report = await runChecksForCode(deps.knowledge, session.codeId, target, deps.azure, {
    allowReadOnlyRunCommand: deps.allowReadOnlyRunCommand(),
    ...(deps.timeoutInMs === undefined ? {} : { timeoutInMs: deps.timeoutInMs }),
  });
  deps.logger?.info({ sessionId: session.id, codeId: session.codeId, vm: target.vm.name, durationInMs: Math.round(report.durationInMs), likely: report.firstLikelyCauseIndex }, 'checks ran');
  const view = buildCheckReportView(report, deps.knowledge, language, target.vm.name);
  return { card: renderCheckResultsCard(checkResultsCardData(view, session, language)), ...into };
}

export function checkResultsCardData(view: CheckReportView, session: TroubleshootSession, language: Language): CheckResultsCardData {
  const code = session.codeId;
  const actions: CardButton[] = [];
  if (view.goToLikelyCause !== undefined) {
    actions.push({ title: view.goToLikelyCause.label, verb: Verbs.goTo, data: { v: PayloadVersion, sessionId: session.id, index: view.goToLikelyCause.index }, style: 'positive' });
  }
  const back = Math.min(session.cursor, Math.max(0, session.causeCount - 1));
  actions.push({ title: `${labels.backToCause[language]} ${back + 1}`, verb: Verbs.goTo, data: { v: PayloadVersion, sessionId: session.id, index: back } });
  actions.push(sessionButton(labels.runAgain[language], RunChecksVerb, session.id));
  return {
    heading: view.heading,
    subheading: code,
    summary: view.summary,
    durationText: view.durationText,
    causes: view.causes.map((cause) => ({
      line: `${cause.position}. ${cause.verdictIcon} ${cause.title}: ${cause.verdictLabel}`,
      color: cause.color,
      checks: cause.checks.map((check) => ({ line: `${check.icon} ${check.title}`, evidence: check.evidence, manual: check.manual ?? '', hasManual: check.manual !== undefined })),
    })),
    actions,
  };
}

let template: Template | undefined;

/** Expands cards/check-results.json; Azure text is bound as data, never parsed as a template. */
export function renderCheckResultsCard(data: CheckResultsCardData): AdaptiveCardJson {
  template ??= new Template(JSON.parse(readFileSync(join(cardsDirectory(), 'check-results.json'), 'utf8')) as object);
  return expandCard(template, { ...data, actions: data.actions.map(toTeamsButton) });
}
