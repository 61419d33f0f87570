import type { BackupJob } from '../azure-port';
import { CONFIDENT } from './identifier';

/**
 * The one way the bot names the code of a failed job (incident cards, "why did X fail?",
 * fix verification) and of an alert's texts, so the same failure never gets two codes.
 */

/** What the bot makes of a failure's texts. */
export type JobCode =
  | { readonly kind: 'identified'; readonly codeId: string }
  /** Several codes fit equally well (e.g. the same message documented for two codes, and no link to tell them apart). */
  | { readonly kind: 'ambiguous'; readonly codeIds: readonly string[] }
  | { readonly kind: 'unidentified' };

/** The slice of the identifier (createIdentifier) that naming a job's code needs. */
export interface CodeSource {
  identify(text: string): { readonly candidates: readonly { readonly code: { readonly id: string }; readonly confidence: number }[] };
  /** The code documenting an integer the job API reports (errorDetails[].errorCode), where there is one. */
  codeByNumber(numericCode: number): { readonly id: string } | undefined;
}

/** Confidence of a documented numeric code: as exact as the code's name. */
const NUMBER_CONFIDENCE = 1;
/** Confidences this close are a tie (the identifier rounds to three decimals). */
const TIE = 1e-9;

/**
 * The code behind some texts (and documented numbers): every text is identified and the best
 * confidence per code kept, so an aka.ms/AB-<code> link (an exact name, 1.0) outranks a
 * message two codes share (at most 0.95). Codes tied at the top are an ambiguity, never a guess.
 */
export function identifyCodeIn(texts: readonly string[], source: CodeSource, numericCodes: readonly number[] = []): JobCode {
  const best = new Map<string, number>();
  const raise = (codeId: string, confidence: number): void => {
    if (confidence > (best.get(codeId) ?? 0)) best.set(codeId, confidence);
  };
  for (const n of numericCodes) {
    const code = source.codeByNumber(n);
    if (code) raise(code.id, NUMBER_CONFIDENCE);
  }
  for (const text of texts) {
    if (text.trim().length === 0) continue;
    for (const candidate of source.identify(text).candidates) raise(candidate.code.id, candidate.confidence);
  }
  const confident = [...best.entries()].filter(([, c]) => c >= CONFIDENT).sort((a, b) => b[1] - a[1]);
  const top = confident[0];
  if (!top) return { kind: 'unidentified' };
  const tied = confident.filter(([, c]) => c >= top[1] - TIE).map(([id]) => id);
  return tied.length === 1 ? { kind: 'identified', codeId: top[0] } : { kind: 'ambiguous', codeIds: tied };
}

/**
 * The code of a failed job. The job's `errorCode` is an integer (only a few are documented), so
 * the code mostly comes from its texts: the error strings and titles, the recommendations (which
 * carry aka.ms/AB-<code> links) and the dynamic error message.
 */
export function identifyJobCode(job: BackupJob, source: CodeSource): JobCode {
  const texts = [...job.errors.flatMap((e) => [e.message, e.title ?? '', ...e.recommendations]), job.dynamicErrorMessage ?? ''];
  const numbers = job.errors.flatMap((e) => (e.numericCode === undefined ? [] : [e.numericCode]));
  return identifyCodeIn(texts, source, numbers);
}

/**
 * The failed job's code when it names exactly one: what an incident groups by and what a fix's
 * verification reports. An ambiguity gives undefined (a grouping key must not guess).
 */
export function singleJobCode(job: BackupJob, source: CodeSource): string | undefined {
  return singleCode(identifyJobCode(job, source));
}

/** The code when there is exactly one; an ambiguity or nothing gives undefined (a grouping key must not guess). */
export function singleCode(code: JobCode): string | undefined {
  return code.kind === 'identified' ? code.codeId : undefined;
}

/** The job's own words for the failure: the first error string, else the dynamic message. */
export function jobErrorMessage(job: BackupJob): string | undefined {
  const message = job.errors.find((e) => e.message.trim().length > 0)?.message ?? job.dynamicErrorMessage;
  return message?.trim() || undefined;
}
