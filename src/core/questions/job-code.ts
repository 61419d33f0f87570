import type { BackupJob } from '../azure-port';
import { CONFIDENT, type Identifier } from '../identify';
import type { ErrorCodeEntry } from '../knowledge/schema';

/** What the bot makes of a failed job's error. */
export type JobCode =
  | { readonly kind: 'identified'; readonly codeId: string }
  /** Several codes fit equally well (e.g. the same message documented for two codes). */
  | { readonly kind: 'ambiguous'; readonly codeIds: readonly string[] }
  | { readonly kind: 'unidentified' };

export interface CodeCatalogue {
  findCodeByNumber(numericCode: number): ErrorCodeEntry | undefined;
}

/**
 * The code of a failed job. The job's `errorCode` is an integer (only a few are documented), so
 * the code comes from its texts: the error strings, the recommendations (which carry
 * aka.ms/AB-<code> links) and the dynamic error message. Every text is identified and the
 * best confidence per code kept; a documented number counts as an exact match.
 */
export function identifyJobCode(job: BackupJob, identifier: Identifier, catalogue: CodeCatalogue): JobCode {
  const best = new Map<string, number>();
  const raise = (codeId: string, confidence: number): void => {
    if (confidence > (best.get(codeId) ?? 0)) best.set(codeId, confidence);
  };
  for (const error of job.errors) {
    if (error.numericCode !== undefined) {
      const code = catalogue.findCodeByNumber(error.numericCode);
      if (code) raise(code.id, 1);
    }
  }
  const texts = [...job.errors.flatMap((e) => [e.message, e.title ?? '', ...e.recommendations]), job.dynamicErrorMessage ?? ''].filter((t) => t.trim().length > 0);
  for (const text of texts) {
    for (const candidate of identifier.identify(text).candidates) raise(candidate.code.id, candidate.confidence);
  }
  const confident = [...best.entries()].filter(([, c]) => c >= CONFIDENT).sort((a, b) => b[1] - a[1]);
  const top = confident[0];
  if (!top) return { kind: 'unidentified' };
  const tied = confident.filter(([, c]) => c >= top[1] - 1e-9).map(([id]) => id);
  return tied.length === 1 ? { kind: 'identified', codeId: top[0] } : { kind: 'ambiguous', codeIds: tied };
}

/** The job's own words for the failure: the first error string, else the dynamic message. */
export function jobErrorMessage(job: BackupJob): string | undefined {
  const message = job.errors.find((e) => e.message.trim().length > 0)?.message ?? job.dynamicErrorMessage;
  return message?.trim() || undefined;
}

/** When the job failed: its end, else its start. */
export function jobTime(job: BackupJob): Date | undefined {
  return job.endTime ?? job.startTime;
}
