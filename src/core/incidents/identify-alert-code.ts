import type { BackupJob } from '../azure-port';
import type { BackupAlert } from './backup-alert';

/**
 * The slice of the identifier (src/core/identify) incidents need: ranked candidates for a text.
 * Kept structural so incidents depend on the shape, not on the identifier's module.
 */
export interface CodeCandidate {
  readonly code: string;
  readonly confidence: number;
}

export interface CodeIdentifier {
  identify(text: string): readonly CodeCandidate[];
}

/** Adapts the identifier of src/core/identify (createIdentifier(kb)) to this port. */
export function codeIdentifierOf(identifier: { identify(text: string): { readonly candidates: readonly { readonly code: { readonly id: string }; readonly confidence: number }[] } }): CodeIdentifier {
  return { identify: (text) => identifier.identify(text).candidates.map((c) => ({ code: c.code.id, confidence: c.confidence })) };
}

/** Below this the alert is grouped as unidentified rather than under a guess. */
export const defaultMinConfidence = 0.6;

function best(identifier: CodeIdentifier, textToTry: string, minConfidence: number): string | undefined {
  const top = identifier.identify(textToTry)[0];
  return top && top.confidence >= minConfidence ? top.code : undefined;
}

/**
 * The code of an alert from what it carries, in order of trust: a code the sender stated,
 * the error message, then the hints (originAlertId ends with the lower-cased code,
 * aka.ms/AB-<code> links). The identifier canonicalises spelling and aliases.
 * Returns undefined when only the job (through AzurePort) can tell.
 */
export function identifyAlertCode(alert: BackupAlert, identifier: CodeIdentifier, minConfidence = defaultMinConfidence): string | undefined {
  const texts = [alert.errorCode, alert.message, ...alert.codeHints].filter((t): t is string => t !== undefined && t.length > 0);
  for (const t of texts) {
    const code = best(identifier, t, minConfidence);
    if (code) return code;
  }
  // A stated code the catalogue does not know is still the best grouping key we have.
  return alert.errorCode;
}

/** The code of a failed job: its error strings and the non-localised dynamic message. */
export function identifyJobCode(job: BackupJob, identifier: CodeIdentifier, minConfidence = defaultMinConfidence): string | undefined {
  const texts = [...job.errors.flatMap((e) => [e.message, e.title ?? '', ...e.recommendations]), job.dynamicErrorMessage ?? ''].filter((t) => t.trim().length > 0);
  for (const t of texts) {
    const code = best(identifier, t, minConfidence);
    if (code) return code;
  }
  return undefined;
}

/** The message a job alert shows: the first error string, else the dynamic message. */
export function jobMessage(job: BackupJob): string | undefined {
  return job.errors.find((e) => e.message.trim().length > 0)?.message ?? job.dynamicErrorMessage;
}

/**
 * Remembers the identifier's answers for recent texts: a storm repeats the same few messages
 * thousands of times, and the same text always gets the same candidates.
 */
export function memoizedIdentifier(identifier: CodeIdentifier, maxEntries = 2_000): CodeIdentifier {
  const cache = new Map<string, readonly CodeCandidate[]>();
  return {
    identify(text) {
      const hit = cache.get(text);
      if (hit) return hit;
      const result = identifier.identify(text);
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
      cache.set(text, result);
      return result;
    },
  };
}
