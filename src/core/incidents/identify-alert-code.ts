import { type CodeSource, identifyCodeIn, singleCode } from '../identify/job-code';
import type { BackupAlert } from './backup-alert';

/**
 * The slice of the identifier (src/core/identify) incidents need: ranked candidates for a text
 * and the owner of a documented numeric code. createIdentifier(kb) satisfies it.
 */
export type CodeIdentifier = CodeSource;

type Identification = ReturnType<CodeSource['identify']>;

/** The identifier of src/core/identify as this port (kept for the alert wiring; the shapes are the same). */
export function codeIdentifierOf(identifier: CodeSource): CodeIdentifier {
  return { identify: (text) => identifier.identify(text), codeByNumber: (n) => identifier.codeByNumber(n) };
}

/**
 * The code of an alert from what it carries: a code the sender stated wins; otherwise the error
 * message and the hints (originAlertId ends with the lower-cased code, aka.ms/AB-<code> links)
 * are weighed together by the same identification as a job's texts, so a link tells apart two
 * codes that share a message. Returns undefined when only the job (through AzurePort) can tell.
 */
export function identifyAlertCode(alert: BackupAlert, identifier: CodeIdentifier): string | undefined {
  if (alert.errorCode !== undefined && alert.errorCode.length > 0) {
    const stated = singleCode(identifyCodeIn([alert.errorCode], identifier));
    if (stated) return stated;
  }
  const found = singleCode(identifyCodeIn([alert.message ?? '', ...alert.codeHints], identifier));
  // A code the catalogue does not know (stated, or named by Azure's own aka.ms/AB-<code> link, as
  // for workloads the catalogue does not cover yet) is still the best grouping key we have.
  return found ?? (alert.errorCode || undefined) ?? linkedCode(alert.codeHints);
}

/** The code in an "aka.ms/AB-<code>" link, as the link spells it (Azure writes it lower-cased). */
function linkedCode(hints: readonly string[]): string | undefined {
  for (const hint of hints) {
    const m = /aka\.ms\/AB-([A-Za-z][A-Za-z0-9]{2,100})\b/i.exec(hint);
    if (m?.[1]) return m[1];
  }
  return undefined;
}

/**
 * Remembers the identifier's answers for recent texts: a storm repeats the same few messages
 * thousands of times, and the same text always gets the same candidates.
 */
export function memoizedIdentifier(identifier: CodeIdentifier, maxEntries = 2_000): CodeIdentifier {
  const cache = new Map<string, Identification>();
  return {
    codeByNumber: (n) => identifier.codeByNumber(n),
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
