import type { Language } from '../knowledge/schema';
import type { TroubleshootSession } from '../troubleshoot/session';
import { isAtEscalation } from '../troubleshoot/session';
import { type CardButton, PayloadVersion, Verbs, sessionButton } from './card-actions';
import { type KnowledgeLookup, safeCause, safeFindCode } from './knowledge-lookup';
import { t } from './ui-text';

export interface StepView {
  readonly number: number;
  readonly text: string;
  /** Verbatim commands, paths and settings (rendered monospace, never translated). */
  readonly commands: readonly string[];
  readonly hasCommands: boolean;
}

export interface CauseListItemView {
  readonly number: number;
  readonly title: string;
  /** The line as shown: "2. Title" plus a status marker. */
  readonly line: string;
  readonly isCurrent: boolean;
  readonly status: 'current' | 'ruled-out' | 'fixed' | 'pending';
}

export interface TroubleshootView {
  readonly sessionId: string;
  readonly language: Language;
  readonly codeId: string;
  readonly codeMessage: string;
  readonly codeSummary: string;
  readonly target: string;
  readonly hasTarget: boolean;
  readonly state: 'cause' | 'escalation' | 'fixed';
  readonly heading: string;
  readonly cause: {
    readonly title: string;
    readonly why: string;
    readonly steps: readonly StepView[];
    readonly logs: readonly string[];
    readonly hasLogs: boolean;
    readonly docUrl: string;
  } | null;
  readonly escalation: {
    readonly title: string;
    readonly intro: string;
    readonly steps: readonly StepView[];
    readonly windowsLogs: readonly string[];
    readonly linuxLogs: readonly string[];
    readonly supportUrl: string;
  } | null;
  readonly fixed: { readonly title: string; readonly note: string } | null;
  readonly causes: readonly CauseListItemView[];
  readonly labels: Readonly<Record<'why' | 'steps' | 'logs' | 'docs' | 'allCauses' | 'windowsLogs' | 'linuxLogs' | 'openSupport' | 'target', string>>;
  /** Previous / Next / This fixed it / Still failing (at most 4). */
  readonly actions: readonly CardButton[];
  /** Buttons other features add under the current cause (checks, fixes); at most 5. */
  readonly causeActions: readonly CardButton[];
  readonly hasCauseActions: boolean;
}

/**
 * Extra buttons other features add under a cause (checks, fixes). A provider returns
 * nothing when it has nothing to offer for this session and cause.
 */
export type TroubleshootActionProvider = (session: TroubleshootSession, causeId: string | undefined, language: Language) => readonly CardButton[];

export interface TroubleshootViewOptions {
  readonly extraActions?: readonly CardButton[];
  /** Display name of whoever marked the session fixed (not an identity, only shown). */
  readonly actorName?: string;
  /** The session was marked fixed by an approved fix whose verification backup succeeded. */
  readonly verifiedByBackup?: boolean;
}

export function buildTroubleshootView(knowledge: KnowledgeLookup, session: TroubleshootSession, options: TroubleshootViewOptions = {}): TroubleshootView {
  const lang = session.language;
  const code = safeFindCode(knowledge, session.codeId);
  const causes = session.causeIds.map((id) => safeCause(knowledge, id));
  const atEscalation = isAtEscalation(session);
  const state: TroubleshootView['state'] = session.outcome === 'fixed' ? 'fixed' : atEscalation ? 'escalation' : 'cause';
  const current = atEscalation ? undefined : causes[session.cursor];

  const causeList: CauseListItemView[] = causes.map((cause, index) => {
    const title = cause ? cause.title[lang] : session.causeIds[index] ?? '';
    const causeId = session.causeIds[index] ?? '';
    const status: CauseListItemView['status'] =
      state === 'fixed' && session.fixedByCauseIndex === index
        ? 'fixed'
        : index === session.cursor && state === 'cause'
          ? 'current'
          : session.evidence?.[causeId] === 'ruled-out'
            ? 'ruled-out'
            : 'pending';
    const marker = status === 'current' ? ` ◀ ${t('current', lang)}` : status === 'ruled-out' ? ` (${t('ruledOut', lang)})` : status === 'fixed' ? ' ✔' : '';
    return { number: index + 1, title, line: `${index + 1}. ${title}${marker}`, isCurrent: status === 'current' || status === 'fixed', status };
  });

  const fixedCause = session.fixedByCauseIndex !== undefined ? causes[session.fixedByCauseIndex] : undefined;
  const heading =
    state === 'escalation' ? t('escalationTitle', lang) : state === 'fixed' ? (fixedCause ? t('fixedTitle', lang, { cause: fixedCause.title[lang] }) : t('fixedGeneric', lang)) : t('causeOfTotal', lang, { k: session.cursor + 1, n: session.causeCount });

  const actions: CardButton[] = [];
  if (state === 'fixed') {
    actions.push(sessionButton(t('reopen', lang), Verbs.previous, session.id));
  } else {
    if (session.cursor > 0) actions.push(sessionButton(atEscalation ? t('backToCauses', lang) : t('previous', lang), Verbs.previous, session.id));
    if (!atEscalation) {
      actions.push(sessionButton(t('next', lang), Verbs.next, session.id));
      actions.push(sessionButton(t('fixedIt', lang), Verbs.fixed, session.id, 'positive'));
      actions.push(sessionButton(t('stillFailing', lang), Verbs.stillFailing, session.id, 'destructive'));
    } else {
      actions.push(sessionButton(t('fixedIt', lang), Verbs.fixed, session.id, 'positive'));
    }
  }
  const causeActions = state === 'fixed' ? [] : (options.extraActions ?? []).slice(0, maxCauseActions);

  const target = formatTarget(session);
  const escalation = knowledge.escalation;
  return {
    sessionId: session.id,
    language: lang,
    codeId: code?.id ?? session.codeId,
    codeMessage: code?.messages[lang][0] ?? code?.messages.en[0] ?? '',
    codeSummary: code?.summary[lang] ?? '',
    target,
    hasTarget: target.length > 0,
    state,
    heading,
    cause:
      state === 'cause' && current
        ? {
            title: current.title[lang],
            why: current.why[lang],
            steps: current.steps.map((s, i) => stepView(i, s.text[lang], s.commands)),
            logs: current.logs,
            hasLogs: current.logs.length > 0,
            docUrl: current.docUrl,
          }
        : null,
    escalation:
      state === 'escalation'
        ? {
            title: t('escalationTitle', lang),
            intro: t('escalationIntro', lang),
            steps: escalation.steps.map((s, i) => stepView(i, s.text[lang], s.commands)),
            windowsLogs: escalation.logs.windows,
            linuxLogs: escalation.logs.linux,
            supportUrl: escalation.supportUrl,
          }
        : null,
    fixed: state === 'fixed' ? { title: heading, note: fixedNote(lang, options) } : null,
    causes: causeList,
    labels: {
      why: t('why', lang),
      steps: t('steps', lang),
      logs: t('logs', lang),
      docs: t('docs', lang),
      allCauses: t('allCauses', lang),
      windowsLogs: t('windowsLogs', lang),
      linuxLogs: t('linuxLogs', lang),
      openSupport: t('openSupport', lang),
      target: t('target', lang),
    },
    actions,
    causeActions,
    hasCauseActions: causeActions.length > 0,
  };
}

/** Adaptive Card hosts (Teams) show at most 5 actions per set. */
export const maxCauseActions = 5;

function stepView(index: number, text: string, commands: readonly string[] | undefined): StepView {
  const list = commands ?? [];
  return { number: index + 1, text, commands: list, hasCommands: list.length > 0 };
}

function formatTarget(session: TroubleshootSession): string {
  const target = session.target;
  if (!target) return '';
  const parts = [target.vm && `VM ${target.vm}`, target.vault && `vault ${target.vault}`, target.resourceGroup && `RG ${target.resourceGroup}`, target.jobId && `job ${target.jobId}`].filter(
    (p): p is string => typeof p === 'string' && p.length > 0,
  );
  return parts.join(' · ');
}

export function startButton(title: string, codeId: string, lang: Language): CardButton {
  return { title, verb: Verbs.start, data: { v: PayloadVersion, codeId, lang } };
}

function fixedNote(lang: Language, options: TroubleshootViewOptions): string {
  if (options.verifiedByBackup) return t('fixedVerifiedNote', lang);
  // Re-rendered later (another press, a restart) the presser's name is not known: no "Marked by ?".
  return options.actorName ? t('fixedNote', lang, { who: options.actorName }) : t('fixedNoteNoActor', lang);
}
