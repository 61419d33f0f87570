import type { Language } from '../knowledge/schema';
import type { CauseEvidence, TroubleshootSession } from '../troubleshoot/session';
import { isAtEscalation } from '../troubleshoot/session';
import { type CardButton, PayloadVersion, Verbs, reopenButton, sessionButton, stepButton } from './card-actions';
import { type KnowledgeLookup, safeCause, safeFindCode } from './knowledge-lookup';
import { type UiTextKey, t } from './ui-text';

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
  /** The latest Run checks' verdict for this cause, when checks ran. */
  readonly verdict?: CauseEvidence;
  /** Adaptive Card text colour: the current cause in accent, a likely one in attention. */
  readonly color: 'Accent' | 'Attention' | 'Default';
  /** Shown subdued: ruled out by the operator or by the checks. */
  readonly isSubtle: boolean;
}

/** The header of the cause list after Run checks. */
export interface ChecksSummaryView {
  readonly heading: string;
  readonly summary: string;
  /** "Checked in Azure at <time>", the time formatted by the channel. */
  readonly checkedAt: string;
}

/** The current cause's verdict and its one line of evidence. */
export interface CauseCheckView {
  readonly label: string;
  readonly line: string;
  readonly color: 'Attention' | 'Good' | 'Warning';
  readonly manual: string;
  readonly hasManual: boolean;
}

/** Moving to another cause from the cause list: "Go to likely cause" and "Go to a cause…". */
export interface CauseNavigationView {
  /** "Go to likely cause (k)" when a check found one (at most 1). */
  readonly actions: readonly CardButton[];
  readonly hasActions: boolean;
  /** Any cause, chosen from a list (Teams: a drop-down in a show-card; the choice value is the index). */
  readonly jump: {
    readonly title: string;
    readonly label: string;
    readonly choices: readonly { readonly title: string; readonly value: string }[];
    /** The pre-selected choice: the likely cause, else the next one. */
    readonly value: string;
    /** The "Open" button; the chosen index is merged into its data by the client. */
    readonly actions: readonly CardButton[];
  } | null;
  readonly hasJump: boolean;
  /** The same jump as one button per other cause, for channels without drop-downs (Slack). */
  readonly causeButtons: readonly CardButton[];
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
  /** After Run checks: what was checked, when, and the verdict counts. */
  readonly checks: ChecksSummaryView | null;
  readonly hasChecks: boolean;
  /** After Run checks, on a cause: that cause's verdict and evidence. */
  readonly causeCheck: CauseCheckView | null;
  readonly hasCauseCheck: boolean;
  readonly navigation: CauseNavigationView;
  readonly hasNavigation: boolean;
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
  /** How the channel shows a time (Teams: the reader's own zone); default "2026-01-01 14:02 UTC". */
  readonly formatTime?: (time: Date) => string;
}

const verdictIcons: Record<CauseEvidence, string> = { likely: '⚠️', 'ruled-out': '✅', unknown: '❔' };
const verdictLabels: Record<CauseEvidence, UiTextKey> = { likely: 'verdictLikely', 'ruled-out': 'verdictRuledOut', unknown: 'verdictUnknown' };
const verdictColors: Record<CauseEvidence, CauseCheckView['color']> = { likely: 'Attention', 'ruled-out': 'Good', unknown: 'Warning' };

export function utcTime(time: Date): string {
  return `${time.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function buildTroubleshootView(knowledge: KnowledgeLookup, session: TroubleshootSession, options: TroubleshootViewOptions = {}): TroubleshootView {
  const lang = session.language;
  const code = safeFindCode(knowledge, session.codeId);
  const causes = session.causeIds.map((id) => safeCause(knowledge, id));
  const atEscalation = isAtEscalation(session);
  const state: TroubleshootView['state'] = session.outcome === 'fixed' ? 'fixed' : atEscalation ? 'escalation' : 'cause';
  const current = atEscalation ? undefined : causes[session.cursor];

  const verdictOf = (index: number): CauseEvidence | undefined => session.checks?.causes[session.causeIds[index] ?? '']?.verdict;
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
    const verdict = verdictOf(index);
    // With a verdict on the line, the operator's own "Still failing" reads as tried, not as a second verdict.
    const ruledOutMarker = verdict === undefined ? ` (${t('ruledOut', lang)})` : ` (${t('triedStillFailing', lang)})`;
    const marker = status === 'current' ? ` ◀ ${t('current', lang)}` : status === 'ruled-out' ? ruledOutMarker : status === 'fixed' ? ' ✔' : '';
    const body = verdict === undefined ? title : `${verdictIcons[verdict]} ${title}: ${t(verdictLabels[verdict], lang)}`;
    const isCurrent = status === 'current' || status === 'fixed';
    return {
      number: index + 1,
      title,
      line: `${index + 1}. ${body}${marker}`,
      isCurrent,
      status,
      ...(verdict !== undefined ? { verdict } : {}),
      color: isCurrent ? 'Accent' : verdict === 'likely' ? 'Attention' : 'Default',
      isSubtle: !isCurrent && (status === 'ruled-out' || verdict === 'ruled-out'),
    };
  });

  const fixedCause = session.fixedByCauseIndex !== undefined ? causes[session.fixedByCauseIndex] : undefined;
  const heading =
    state === 'escalation' ? t('escalationTitle', lang) : state === 'fixed' ? (fixedCause ? t('fixedTitle', lang, { cause: fixedCause.title[lang] }) : t('fixedGeneric', lang)) : t('causeOfTotal', lang, { k: session.cursor + 1, n: session.causeCount });

  const actions: CardButton[] = [];
  if (state === 'fixed') {
    actions.push(reopenButton(t('reopen', lang), session));
  } else {
    if (session.cursor > 0) actions.push(stepButton(atEscalation ? t('backToCauses', lang) : t('previous', lang), Verbs.previous, session));
    if (!atEscalation) {
      actions.push(stepButton(t('next', lang), Verbs.next, session));
      actions.push(stepButton(t('fixedIt', lang), Verbs.fixed, session, 'positive'));
      actions.push(stepButton(t('stillFailing', lang), Verbs.stillFailing, session, 'destructive'));
    } else {
      actions.push(stepButton(t('fixedIt', lang), Verbs.fixed, session, 'positive'));
    }
  }
  const causeActions = state === 'fixed' ? [] : (options.extraActions ?? []).slice(0, maxCauseActions);

  const target = formatTarget(session);
  const escalation = knowledge.escalation;
  const checks = checksSummary(session, lang, options.formatTime ?? utcTime);
  const currentCheck = state === 'cause' ? session.checks?.causes[session.causeIds[session.cursor] ?? ''] : undefined;
  const causeCheck: CauseCheckView | null =
    currentCheck === undefined
      ? null
      : {
          label: t('azureCheck', lang),
          line: `${verdictIcons[currentCheck.verdict]} ${t(verdictLabels[currentCheck.verdict], lang)}: ${currentCheck.evidence[lang]}`,
          color: verdictColors[currentCheck.verdict],
          manual: currentCheck.manual?.[lang] ?? '',
          hasManual: currentCheck.manual !== undefined,
        };
  const navigation = state === 'fixed' ? emptyNavigation : causeNavigation(session, causeList, lang);
  return {
    sessionId: session.id,
    language: lang,
    codeId: code?.id ?? session.codeId,
    codeMessage: code?.messageKind === 'undocumented' ? t('noDocumentedMessage', lang) : (code?.messages[lang][0] ?? code?.messages.en[0] ?? ''),
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
    checks,
    hasChecks: checks !== null,
    causeCheck,
    hasCauseCheck: causeCheck !== null,
    navigation,
    hasNavigation: navigation.hasActions || navigation.hasJump,
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

const emptyNavigation: CauseNavigationView = { actions: [], hasActions: false, jump: null, hasJump: false, causeButtons: [] };

function checksSummary(session: TroubleshootSession, lang: Language, formatTime: (time: Date) => string): ChecksSummaryView | null {
  const checks = session.checks;
  if (checks === undefined) return null;
  const verdicts = session.causeIds.map((id) => checks.causes[id]?.verdict);
  const count = (verdict: CauseEvidence): number => verdicts.filter((v) => v === verdict).length;
  return {
    heading: checks.target !== undefined ? t('checkResults', lang, { target: checks.target }) : t('checkResultsNoTarget', lang),
    summary: t('checkSummary', lang, { likely: count('likely'), ruledOut: count('ruled-out'), unknown: count('unknown') }),
    checkedAt: t('checkedAt', lang, { time: formatTime(new Date(checks.checkedAt)) }),
  };
}

function goToButton(title: string, sessionId: string, index: number, style?: CardButton['style']): CardButton {
  return { title, verb: Verbs.goTo, data: { v: PayloadVersion, sessionId, index }, ...(style ? { style } : {}) };
}

/**
 * "Go to likely cause" (the first likely one in the documented order, which stays visible)
 * and a way to open any cause: all through troubleshoot.goto, so the server re-checks the index.
 */
function causeNavigation(session: TroubleshootSession, causes: readonly CauseListItemView[], lang: Language): CauseNavigationView {
  const likely = causes.find((c) => c.verdict === 'likely');
  const actions = likely === undefined ? [] : [goToButton(t('goToLikely', lang, { k: likely.number }), session.id, likely.number - 1, 'positive')];
  const atCause = session.cursor < session.causeCount;
  const preselected = likely !== undefined && likely.number - 1 !== session.cursor ? likely.number - 1 : atCause ? Math.min(session.cursor + 1, session.causeCount - 1) : 0;
  const others = causes.filter((c) => !(atCause && c.number - 1 === session.cursor));
  const jump =
    causes.length > 1 || !atCause
      ? {
          title: t('goToCause', lang),
          label: t('chooseCause', lang),
          choices: causes.map((c) => ({ title: c.line, value: String(c.number - 1) })),
          value: String(preselected),
          actions: [sessionButton(t('openCause', lang), Verbs.goTo, session.id)],
        }
      : null;
  return {
    actions,
    hasActions: actions.length > 0,
    jump,
    hasJump: jump !== null,
    causeButtons: jump === null ? [] : others.map((c) => goToButton(`${c.number}. ${c.verdict === undefined ? '' : `${verdictIcons[c.verdict]} `}${c.title}`, session.id, c.number - 1)),
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
  const datasource = target.datasource && `${target.datasource.workload === 'azure-disk' ? 'disk' : 'storage account'} ${target.datasource.name}${target.datasource.resourceGroup ? ` (RG ${target.datasource.resourceGroup})` : ''}`;
  const share = target.fileShare && `file share ${target.fileShare.share} (storage account ${target.fileShare.storageAccount}, RG ${target.fileShare.resourceGroup})`;
  const parts = [target.vm && `VM ${target.vm}`, datasource, share, target.vault && `vault ${target.vault}`, target.resourceGroup && `RG ${target.resourceGroup}`, target.jobId && `job ${target.jobId}`].filter(
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
