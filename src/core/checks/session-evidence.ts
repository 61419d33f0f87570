import type { LocalizedText } from '../knowledge/schema';
import type { CauseCheck } from '../troubleshoot/session';
import { text, type CheckResult } from './check-types';
import type { CauseCheckResults, CheckReport } from './run-checks';

/** Longest evidence line kept per cause and language (the card shows it as one line). */
export const maxEvidenceChars = 400;

const noCheck = text(
  'There is no automated check for this cause: follow the steps by hand.',
  'Dla tej przyczyny nie ma automatycznego sprawdzenia: wykonaj kroki ręcznie.',
);

/**
 * A check report as the session keeps it: per cause its verdict and the one line that decided
 * it (the failing checks' evidence for a likely cause, the passing ones' for a ruled-out cause,
 * the unanswered ones' for an unknown cause), plus the manual hint where there is one.
 */
export function causeChecksOf(report: CheckReport): Record<string, CauseCheck> {
  return Object.fromEntries(report.causes.map((cause) => [cause.causeId, causeCheckOf(cause)]));
}

function causeCheckOf(cause: CauseCheckResults): CauseCheck {
  const deciding = decidingResults(cause);
  const evidence = deciding.length === 0 ? noCheck : joinLines(deciding.map((r) => r.evidence));
  const manual = deciding.find((r) => r.manual !== undefined)?.manual ?? cause.results.find((r) => r.manual !== undefined && r.status !== 'pass')?.manual;
  return manual === undefined ? { verdict: cause.verdict, evidence } : { verdict: cause.verdict, evidence, manual: joinLines([manual]) };
}

function decidingResults(cause: CauseCheckResults): readonly CheckResult[] {
  switch (cause.verdict) {
    case 'likely':
      return cause.results.filter((r) => r.status === 'fail');
    case 'ruled-out':
      return cause.results;
    case 'unknown':
      return cause.results.filter((r) => r.status === 'unknown');
  }
}

function joinLines(lines: readonly LocalizedText[]): LocalizedText {
  // Two checks that timed out together say the same sentence: once is enough.
  const join = (language: keyof LocalizedText): string => clip([...new Set(lines.map((l) => l[language].replace(/\s+/g, ' ').trim()))].join(' '));
  return { en: join('en'), pl: join('pl') };
}

function clip(line: string): string {
  return line.length <= maxEvidenceChars ? line : `${line.slice(0, maxEvidenceChars - 1).trimEnd()}…`;
}
