import type { ErrorCodeEntry, Language, Workload } from '../knowledge/schema';
import { CodeMatcher, type CodeHit } from './code-matcher';
import { detectLanguageOf, type LanguageVocabulary } from './language';
import { MessageMatcher, sameWord, type MessageHit } from './message-matcher';
import { fold, jsonUnescape, MAX_INPUT_CHARS, tokenize, type Token } from './text-fold';
import { settleWorkloadTwins } from './workload-twins';
import { workloadMentions, workloadsNamed } from './workload-words';

export type MatchKind = 'code' | 'alias' | 'numeric-code' | 'near-miss' | 'message';

export interface Candidate {
  readonly code: ErrorCodeEntry;
  /** 0..1; at or above `CONFIDENT` the bot answers with the code's card. */
  readonly confidence: number;
  readonly matchedBy: MatchKind;
  /** The stretch of the input that matched, as the user wrote it (JSON escapes undone). */
  readonly evidence: string;
  /** For message matches: the language of the catalogue message that matched. */
  readonly language?: Language;
}

export interface Identification {
  /** Best first, one per code; nothing below `CANDIDATE_FLOOR`. */
  readonly candidates: readonly Candidate[];
  /** The language the input is written in. */
  readonly language: Language;
}

export interface Identifier {
  identify(text: string): Identification;
  /** The `n` codes nearest to a text nothing matched well, for the "I don't know this one" card. */
  closest(text: string, n: number): readonly ErrorCodeEntry[];
  /** The code documenting an integer the job API reports (errorDetails[].errorCode), where there is one. */
  codeByNumber(numericCode: number): ErrorCodeEntry | undefined;
}

/** A candidate at or above this is an answer; below it the bot says it does not know and offers `closest()`. */
export const CONFIDENT = 0.6;
/** Candidates below this are dropped from an identification. */
export const CANDIDATE_FLOOR = 0.35;
/** A message must be this much covered (by weight) to be a candidate at all. */
export const MIN_MESSAGE_COVERAGE = 0.45;
/** Coverage at which a message match becomes an answer. */
export const CONFIDENT_COVERAGE = 0.55;
/** A perfect message match ranks just under an exact code. */
const MESSAGE_MAX_CONFIDENCE = 0.95;
/** Code and message agreeing on one code is stronger than either. */
const AGREEMENT_BONUS = 0.03;
/** A message found where a better message already explains the same words is most likely a look-alike. */
const OVERLAP_PENALTY = 0.5;
/**
 * A message matched only through its common words ("operation failed due to an error"), or a
 * message the knowledge base marks generic without its code or workload around it, stays a
 * candidate but is never an answer by itself.
 */
const GENERIC_MATCH_CAP = CONFIDENT - 0.05;
/**
 * A message is only an answer when the text has enough of its words (half of them, or four
 * for a long message quoted in part), and a short message also needs more than half the
 * weight of its rare words or two of them. "Currently Azure Backup does not support Standard
 * SSD disks" shares "currently ... not supported by Azure Backup" with the disk size message
 * but only one of its rare words, so it is not that message.
 */
const QUOTED_PART_TERMS = 4;
const MIN_DISTINCTIVE_COVERAGE = 0.5;
const MIN_DISTINCTIVE_TERMS = 2;
const SHORT_MESSAGE_TERMS = 8;
const MAX_EVIDENCE_CHARS = 200;
/** Id words every other code shares, useless for telling codes apart. */
const GENERIC_ID_WORDS: ReadonlySet<string> = new Set(['user', 'error', 'failed', 'extension']);

interface Scored {
  readonly codeIndex: number;
  confidence: number;
  matchedBy: MatchKind;
  start: number;
  end: number;
  language?: Language;
  kinds: Set<'code' | 'message'>;
}

interface Prepared {
  readonly working: string;
  readonly folded: string;
  readonly tokens: readonly Token[];
  readonly codeHits: readonly CodeHit[];
}

export function createIdentifier(kb: { readonly codes: readonly ErrorCodeEntry[] }): Identifier {
  const codes = [...kb.codes];
  const codeMatcher = new CodeMatcher(codes);
  const messageMatcher = new MessageMatcher(codes);
  const idWords = codes.map((code) => splitIdWords(code.id));
  const nameTrigrams = codes.map((code) => trigrams(code.id.toLowerCase()));
  const generic = codes.map((code) => code.messageKind === 'generic');
  // How often a generic code's own message names its workload ("SAP HANA error" does, twice): the text must name it more often.
  const ownMentions = codes.map((code) =>
    code.messageKind !== 'generic' ? 0 : Math.max(0, ...[...code.messages.en, ...code.messages.pl].map((message) => workloadMentions(tokenize(fold(message)), code.workload))),
  );
  const namesWorkloadBeyondMessage = (codeIndex: number, mentions: (workload: Workload) => number): boolean =>
    mentions((codes[codeIndex] as ErrorCodeEntry).workload) > (ownMentions[codeIndex] as number);
  const vocabulary = languageVocabulary(codes);
  const numbers = new Map<number, ErrorCodeEntry>();
  // The first owner keeps a number, as in the code matcher (the knowledge base refuses duplicates anyway).
  for (const code of codes) for (const n of code.numericCodes) if (!numbers.has(n)) numbers.set(n, code);

  function prepare(text: string): Prepared {
    const input = typeof text === 'string' ? text : '';
    const working = jsonUnescape(input.length > MAX_INPUT_CHARS ? input.slice(0, MAX_INPUT_CHARS) : input);
    const folded = withoutFieldLabels(fold(working));
    const tokens = tokenize(folded);
    const names = codeMatcher.findNames(folded);
    const nearMisses = codeMatcher.findNearMisses(tokens, names);
    // A whole token one typo from a code (`ExtensionOperationFailedForManagedDisk`) explains it better than a shorter name glued inside it.
    const kept = names.filter((hit) => hit.embedded !== true || !nearMisses.some((near) => near.start <= hit.start && near.end >= hit.end));
    const codeHits = [...kept, ...codeMatcher.findNumeric(folded), ...nearMisses];
    return { working, folded, tokens, codeHits };
  }

  function identify(text: string): Identification {
    const { working, folded, tokens, codeHits } = prepare(text);
    const byCode = new Map<number, Scored>();
    for (const hit of codeHits) {
      const current = byCode.get(hit.codeIndex);
      if (current === undefined) {
        byCode.set(hit.codeIndex, { codeIndex: hit.codeIndex, confidence: hit.confidence, matchedBy: hit.kind, start: hit.start, end: hit.end, kinds: new Set(['code']) });
      } else if (hit.confidence > current.confidence) {
        Object.assign(current, { confidence: hit.confidence, matchedBy: hit.kind, start: hit.start, end: hit.end });
      }
    }
    // A generic message ("Failed to transfer data to vault.") names its code only beside the code itself or the code's workload.
    // Counted once per workload and text, and only when a generic message matched.
    const mentionCounts = new Map<Workload, number>();
    const mentions = (workload: Workload): number => {
      let count = mentionCounts.get(workload);
      if (count === undefined) mentionCounts.set(workload, (count = workloadMentions(tokens, workload)));
      return count;
    };
    const unsupportedGeneric = (hit: MessageHit): boolean =>
      generic[hit.codeIndex] === true && byCode.get(hit.codeIndex)?.kinds.has('code') !== true && !namesWorkloadBeyondMessage(hit.codeIndex, mentions);
    for (const { hit, confidence } of suppressLookAlikes(messageMatcher.match(folded, tokens, MIN_MESSAGE_COVERAGE), unsupportedGeneric)) {
      const current = byCode.get(hit.codeIndex);
      if (current === undefined) {
        byCode.set(hit.codeIndex, { codeIndex: hit.codeIndex, confidence, matchedBy: 'message', start: hit.start, end: hit.end, language: hit.language, kinds: new Set(['message']) });
        continue;
      }
      current.kinds.add('message');
      if (confidence > current.confidence) Object.assign(current, { confidence, matchedBy: 'message', start: hit.start, end: hit.end, language: hit.language });
    }
    // The workload words are read only when a twin is at stake: scanning a long paste for them is costly.
    let named: ReadonlySet<Workload> | undefined;
    settleWorkloadTwins(byCode, codes, () => (named ??= workloadsNamed(tokens)), {
      confident: CONFIDENT,
      lookAlikeCap: GENERIC_MATCH_CAP,
      addTwin: (from, codeIndex) => ({ ...from, codeIndex, matchedBy: 'message' as const, kinds: new Set(['message' as const]) }),
    });
    const scored = [...byCode.values()]
      .map((s) => (s.kinds.size > 1 ? { ...s, confidence: Math.min(1, s.confidence + AGREEMENT_BONUS) } : s))
      .filter((s) => s.confidence >= CANDIDATE_FLOOR)
      .sort((a, b) => b.confidence - a.confidence || a.start - b.start || a.codeIndex - b.codeIndex);
    return {
      candidates: scored.map((s) => toCandidate(s, working)),
      language: detectLanguageOf(working, tokens, vocabulary),
    };
  }

  function toCandidate(s: Scored, working: string): Candidate {
    const evidence = working.slice(s.start, Math.min(s.end, s.start + MAX_EVIDENCE_CHARS));
    const candidate: Candidate = { code: codes[s.codeIndex] as ErrorCodeEntry, confidence: round(s.confidence), matchedBy: s.matchedBy, evidence };
    return s.language === undefined ? candidate : { ...candidate, language: s.language };
  }

  function closest(text: string, n: number): readonly ErrorCodeEntry[] {
    if (!(n > 0)) return [];
    const scores = new Array<number>(codes.length).fill(0);
    const raise = (index: number, value: number): void => {
      if (value > (scores[index] as number)) scores[index] = value;
    };
    for (const candidate of identify(text).candidates) raise(codes.indexOf(candidate.code), candidate.confidence);
    const { folded, tokens } = prepare(text);
    for (const hit of messageMatcher.match(folded, tokens, 0)) raise(hit.codeIndex, 0.5 * hit.coverage);
    const words = [...new Set(tokens.map((t) => t.text))].slice(0, 500);
    // Each token's trigrams once per call, each name's once per identifier: not once per pair (200 tokens x every code).
    const longTokens = [...new Set(tokens.filter((t) => t.text.length >= 6 && t.text.length <= 64).map((t) => t.text))].slice(0, 200).map(trigrams);
    idWords.forEach((parts, index) => {
      if (parts.length > 0) raise(index, (0.4 * parts.filter((part) => words.some((word) => sameWord(word, part))).length) / parts.length);
      const name = nameTrigrams[index] as ReadonlySet<string>;
      for (const token of longTokens) raise(index, 0.4 * trigramDice(token, name));
    });
    return scores
      .map((score, index) => ({ score, index }))
      .sort((a, b) => b.score - a.score || a.index - b.index)
      .slice(0, Math.floor(n))
      .map((s) => codes[s.index] as ErrorCodeEntry);
  }

  return { identify, closest, codeByNumber: (n) => numbers.get(n) };
}

/**
 * Each stretch of input is one message. When two catalogue messages match
 * overlapping stretches (the two Polish "Nie można nawiązać komunikacji..." messages
 * share half their words), the weaker one is a look-alike and loses half its confidence;
 * messages on separate lines of a paste keep theirs. A generic message without its code or
 * workload around it (`capped`) still claims the words it explains best, so a shorter message
 * inside it (the MARS "internal service error" inside the MABS policy one) stays a look-alike;
 * it is only capped below an answer itself.
 */
/** A message hit with its strength and, after look-alikes are settled, its confidence (a small record: a paste can match hundreds). */
interface RankedHit {
  readonly hit: MessageHit;
  readonly strength: number;
  confidence: number;
}

function suppressLookAlikes(hits: readonly MessageHit[], capped: (hit: MessageHit) => boolean): RankedHit[] {
  const ranked: RankedHit[] = hits.map((hit) => {
    const strength = isSpecific(hit) ? messageConfidence(hit.coverage) : Math.min(messageConfidence(hit.coverage), GENERIC_MATCH_CAP);
    return { hit, strength, confidence: capped(hit) ? Math.min(strength, GENERIC_MATCH_CAP) : strength };
  });
  ranked.sort((a, b) => b.strength - a.strength || byWeightThenWholeQuote(a.hit, b.hit) || a.hit.start - b.hit.start);
  const accepted: MessageHit[] = [];
  for (const ranking of ranked) {
    const hit = ranking.hit;
    const length = Math.max(1, hit.end - hit.start);
    // Two codes documented with the same message (BackUpOperationFailed and V2) tie, and both stay.
    let overlaps = false;
    for (const span of accepted) {
      if (span.messageKey !== hit.messageKey && Math.min(span.end, hit.end) - Math.max(span.start, hit.start) > length / 2) {
        overlaps = true;
        break;
      }
    }
    if (overlaps) ranking.confidence *= OVERLAP_PENALTY;
    else accepted.push(hit);
  }
  return ranked;
}

/**
 * Of two messages the input covers equally, the one that explains more words wins; when they
 * explain the same words, the one quoted whole does. A message contained in a longer one
 * ("Failed to track the long-running operation…" inside "…long-running backup operation…")
 * is the shorter code's when the longer one's own words are missing.
 */
function byWeightThenWholeQuote(a: MessageHit, b: MessageHit): number {
  if (Math.abs(b.weight - a.weight) > 1e-9) return b.weight - a.weight;
  return b.matchedTerms / b.termCount - a.matchedTerms / a.termCount;
}

function isSpecific(hit: MessageHit): boolean {
  if (!hit.distinctive || hit.matchedTerms < Math.min(QUOTED_PART_TERMS, Math.ceil(hit.termCount / 2))) return false;
  return hit.termCount > SHORT_MESSAGE_TERMS || hit.distinctiveCoverage > MIN_DISTINCTIVE_COVERAGE || hit.matchedDistinctiveTerms >= MIN_DISTINCTIVE_TERMS;
}

/**
 * Coverage to confidence: the floor coverage is a weak candidate, a message matched
 * to `CONFIDENT_COVERAGE` (most of its rare words, in one stretch) is an answer, and a
 * whole message ranks just under an exact code.
 */
export function messageConfidence(coverage: number): number {
  if (coverage <= CONFIDENT_COVERAGE) {
    return CANDIDATE_FLOOR + ((coverage - MIN_MESSAGE_COVERAGE) * (CONFIDENT - CANDIDATE_FLOOR)) / (CONFIDENT_COVERAGE - MIN_MESSAGE_COVERAGE);
  }
  return CONFIDENT + ((coverage - CONFIDENT_COVERAGE) * (MESSAGE_MAX_CONFIDENCE - CONFIDENT)) / (1 - CONFIDENT_COVERAGE);
}

/** Words of at least four letters that only the Polish, or only the English, catalogue messages use. */
function languageVocabulary(codes: readonly ErrorCodeEntry[]): LanguageVocabulary {
  const words = (language: Language): Set<string> =>
    new Set(codes.flatMap((code) => code.messages[language].flatMap((message) => tokenize(fold(message)).map((t) => t.text))).filter((w) => w.length >= 4 && !/[0-9]/.test(w)));
  const pl = words('pl');
  const en = words('en');
  return { pl: new Set([...pl].filter((w) => !en.has(w))), en: new Set([...en].filter((w) => !pl.has(w))) };
}

/**
 * The labels the portal, job details and alert e-mails put around a code and its message
 * ("Error Code: … Error Message: …", "Kod błędu: … Komunikat o błędzie: …"), folded. They are
 * not part of any message, yet their words are the words of the one message that says "see the
 * job's error message details" (UserErrorCrpReportedUserError), which they would otherwise add
 * to every pasted error. Only a label followed by its colon is one.
 */
const FIELD_LABELS = /\b(?:error (?:code|message|details|string|title)|kod bledu|komunikat(?: o)? bled(?:u|zie)|szczegoly bledu)\s*:/g;

/** Blanks the field labels out, keeping the text's length (offsets stay valid). */
function withoutFieldLabels(folded: string): string {
  return folded.replace(FIELD_LABELS, (label) => ' '.repeat(label.length));
}

/** `UserErrorGuestAgentStatusUnavailable` -> guest, agent, status, unavailable. */
function splitIdWords(id: string): string[] {
  const words = id.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g) ?? [];
  return [...new Set(words.map((w) => w.toLowerCase()).filter((w) => w.length >= 3 && !GENERIC_ID_WORDS.has(w)))];
}

function trigrams(text: string): Set<string> {
  const set = new Set<string>();
  for (let i = 0; i + 3 <= text.length; i++) set.add(text.slice(i, i + 3));
  return set;
}

function trigramDice(ta: ReadonlySet<string>, tb: ReadonlySet<string>): number {
  if (ta.size === 0 || tb.size === 0) return 0;
  let shared = 0;
  for (const t of ta) if (tb.has(t)) shared++;
  return (2 * shared) / (ta.size + tb.size);
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
