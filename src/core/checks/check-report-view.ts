import type { KnowledgeBase } from '../knowledge/knowledge-base';
import type { Language, LocalizedText } from '../knowledge/schema';
import type { CheckStatus } from './check-types';
import type { CauseVerdict, CheckReport } from './run-checks';

/** Adaptive Card text colours, so a channel can colour without knowing the domain. */
export type ViewColor = 'good' | 'attention' | 'warning' | 'default';

export interface CheckLineView {
  readonly checkId: string;
  readonly title: string;
  readonly status: CheckStatus;
  readonly statusLabel: string;
  readonly icon: string;
  readonly color: ViewColor;
  readonly evidence: string;
  readonly manual?: string;
}

export interface CauseChecksView {
  /** 0-based, the same index the troubleshooting session's cursor uses. */
  readonly index: number;
  /** "Cause 2 of 5" numbering (1-based). */
  readonly position: number;
  readonly causeId: string;
  readonly title: string;
  readonly verdict: CauseVerdict;
  readonly verdictLabel: string;
  readonly verdictIcon: string;
  readonly color: ViewColor;
  readonly checks: readonly CheckLineView[];
}

export interface CheckReportView {
  readonly language: Language;
  readonly heading: string;
  /** One sentence: how many causes are likely, ruled out, unknown. */
  readonly summary: string;
  /** Every cause, in the documented order (which stays visible even when a later cause is the likely one). */
  readonly causes: readonly CauseChecksView[];
  /** The "Go to likely cause" button, when there is one. */
  readonly goToLikelyCause?: { readonly index: number; readonly label: string };
  readonly durationText: string;
}

const verdictLabels: Record<CauseVerdict, LocalizedText> = {
  likely: { en: 'Likely', pl: 'Prawdopodobna' },
  'ruled-out': { en: 'Ruled out', pl: 'Wykluczona' },
  unknown: { en: 'Unknown', pl: 'Nie wiadomo' },
};
const verdictIcons: Record<CauseVerdict, string> = { likely: '⚠️', 'ruled-out': '✅', unknown: '❔' };
const verdictColors: Record<CauseVerdict, ViewColor> = { likely: 'attention', 'ruled-out': 'good', unknown: 'warning' };

const statusLabels: Record<CheckStatus, LocalizedText> = {
  pass: { en: 'Pass', pl: 'OK' },
  fail: { en: 'Fail', pl: 'Problem' },
  unknown: { en: 'Unknown', pl: 'Nie wiadomo' },
};
const statusIcons: Record<CheckStatus, string> = { pass: '✅', fail: '❌', unknown: '❔' };
const statusColors: Record<CheckStatus, ViewColor> = { pass: 'good', fail: 'attention', unknown: 'warning' };

/**
 * The check report as plain strings in one language, for the Teams (and Slack) card.
 * `target` names what was checked in the heading (e.g. the VM name).
 */
export function buildCheckReportView(report: CheckReport, knowledge: Pick<KnowledgeBase, 'cause' | 'check'>, language: Language, target?: string): CheckReportView {
  const causes = report.causes.map((cause, index): CauseChecksView => ({
    index,
    position: index + 1,
    causeId: cause.causeId,
    title: knowledge.cause(cause.causeId)?.title[language] ?? cause.causeId,
    verdict: cause.verdict,
    verdictLabel: verdictLabels[cause.verdict][language],
    verdictIcon: verdictIcons[cause.verdict],
    color: verdictColors[cause.verdict],
    checks: cause.results.map((result): CheckLineView => {
      const line: CheckLineView = {
        checkId: result.checkId,
        title: knowledge.check(result.checkId)?.title[language] ?? result.checkId,
        status: result.status,
        statusLabel: statusLabels[result.status][language],
        icon: statusIcons[result.status],
        color: statusColors[result.status],
        evidence: result.evidence[language],
      };
      return result.manual === undefined ? line : { ...line, manual: result.manual[language] };
    }),
  }));
  const count = (verdict: CauseVerdict): number => report.causes.filter((c) => c.verdict === verdict).length;
  const likely = count('likely');
  const ruledOut = count('ruled-out');
  const unknownCount = count('unknown');
  const heading = language === 'pl' ? `Wyniki sprawdzeń${target === undefined ? '' : `: ${target}`}` : `Check results${target === undefined ? '' : `: ${target}`}`;
  const summary =
    report.causes.length === 0
      ? language === 'pl'
        ? 'Ten kod nie ma przyczyn, które da się sprawdzić automatycznie.'
        : 'This code has no causes that can be checked automatically.'
      : language === 'pl'
        ? `Prawdopodobne: ${likely}, wykluczone: ${ruledOut}, nie wiadomo: ${unknownCount}.`
        : `${likely} likely, ${ruledOut} ruled out, ${unknownCount} unknown.`;
  const seconds = (report.durationInMs / 1000).toFixed(1);
  const durationText = language === 'pl' ? `Sprawdzono w ${seconds.replace('.', ',')} s.` : `Checked in ${seconds} s.`;
  const first = report.firstLikelyCauseIndex === undefined ? undefined : causes[report.firstLikelyCauseIndex];
  const view: CheckReportView = { language, heading, summary, causes, durationText };
  if (first === undefined) return view;
  const label = language === 'pl' ? `Przejdź do prawdopodobnej przyczyny (${first.position})` : `Go to likely cause (${first.position})`;
  return { ...view, goToLikelyCause: { index: first.index, label } };
}
