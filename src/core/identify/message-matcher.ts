import type { ErrorCodeEntry, Language } from '../knowledge/schema';
import { polishStem } from './polish-stem';
import { fold, tokenize, type Token } from './text-fold';

/** Words that carry no meaning of their own in either language's messages. */
const STOPWORDS: ReadonlySet<string> = new Set([
  // English
  'the', 'a', 'an', 'of', 'to', 'for', 'on', 'in', 'is', 'as', 'with', 'by', 'at', 'be', 'this', 'that', 'it', 'and', 'or', 'was',
  'are', 'has', 'have', 'from', 'some', 'due', 'its', 'see', 'one', 'more', 'all', 'any', 'because', 'were', 'been', 'you', 'your',
  'must', 'please', 'which', 'will', 'should', 'there', 'their',
  // Polish
  'z', 'w', 'na', 'do', 'sie', 'i', 'o', 'od', 'po', 'za', 'ze', 'we', 'przez', 'dla', 'jest', 'sa', 'to', 'oraz', 'lub', 'a', 'jako', 'ten', 'tej', 'tego',
  // "z powodu" and "ponieważ" are Polish for "due to" and "because"
  'powodu', 'poniewaz', 'byly', 'byl', 'byla', 'bylo', 'ktory', 'ktore', 'ktora', 'musisz', 'czy', 'tym', 'jak',
]);

/**
 * Two forms of one word, for two inflected languages at once: they share a prefix of
 * at least four letters and differ only in the last few (`maszyny`/`maszynie`,
 * `wirtualnej`/`wirtualna`, `agent`/`agentem`, `snapshot`/`snapshots`,
 * `communicate`/`communication`), while a JSON key that merely starts like a word
 * (`extendedInfo` against `extension`) does not qualify. Words under four letters
 * match only exactly.
 */
export function sameWord(a: string, b: string): boolean {
  if (a === b) return true;
  const shorter = Math.min(a.length, b.length);
  const longer = Math.max(a.length, b.length);
  if (shorter < 4) return false;
  let prefix = 0;
  while (prefix < shorter && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  return prefix >= 4 && prefix >= longer - 3;
}

/**
 * The catalogue's message words, each input word resolved to one of them: exactly, through
 * the Polish stem of a word of a Polish message (`bazy` meets `baza`), or through a
 * four-letter prefix index.
 */
class Vocabulary {
  private readonly exact = new Map<string, number>();
  private readonly byStem = new Map<string, number>();
  private readonly byPrefix = new Map<string, number[]>();
  private readonly words: string[] = [];

  /** The term id of a catalogue word, adding it unless a form of it is already known. */
  add(word: string, polish: boolean): number {
    const known = this.find(word);
    if (known >= 0) {
      this.exact.set(word, known);
      if (polish && !this.byStem.has(polishStem(word))) this.byStem.set(polishStem(word), known);
      return known;
    }
    const id = this.words.length;
    this.words.push(word);
    this.exact.set(word, id);
    if (polish) this.byStem.set(polishStem(word), id);
    if (word.length >= 4) {
      const key = word.slice(0, 4);
      const list = this.byPrefix.get(key) ?? [];
      list.push(id);
      this.byPrefix.set(key, list);
    }
    return id;
  }

  /** The term id of the known word this input word is a form of, or -1. */
  find(word: string): number {
    const hit = this.exact.get(word);
    if (hit !== undefined) return hit;
    const stemmed = this.byStem.get(polishStem(word));
    if (stemmed !== undefined) return stemmed;
    if (word.length < 4) return -1;
    let best = -1;
    let bestPrefix = 0;
    for (const id of this.byPrefix.get(word.slice(0, 4)) ?? []) {
      const known = this.words[id] as string;
      if (!sameWord(word, known)) continue;
      let prefix = 0;
      while (prefix < word.length && prefix < known.length && word.charCodeAt(prefix) === known.charCodeAt(prefix)) prefix++;
      if (prefix > bestPrefix) {
        best = id;
        bestPrefix = prefix;
      }
    }
    return best;
  }
}

interface MessageDoc {
  readonly codeIndex: number;
  /** Same for two codes documented with the same words. */
  readonly key: string;
  readonly language: Language;
  /** Distinct term ids of the message, and the weight (IDF) each adds to a match (unique words boosted). */
  readonly terms: readonly number[];
  readonly weights: readonly number[];
  /** The plain IDF weights: whether a match has the message's rare words is judged without the boost. */
  readonly plainWeights: readonly number[];
  readonly totalWeight: number;
  /** The message's rare words: the ones that tell it from its neighbours. */
  readonly distinctive: readonly boolean[];
  /** What the rare words weigh together, and how many there are. */
  readonly distinctiveWeight: number;
  readonly distinctiveTerms: number;
  /** How many input tokens a match may spread over: word order and a few extra words are fine, a whole page is not. */
  readonly window: number;
}

/**
 * A word found in the messages of at most this share of the codes (rounded down, never fewer than three
 * codes) is distinctive (`COM+`, `wewnętrznego`, `BitLocker`); `error`, `operacja` or `failed`
 * are not. The share keeps a word as telling in a catalogue of every workload as it was among
 * the VM codes alone: "another … in progress" is rare among 39 codes, common among 190 only if
 * more than five of them say it. A message without such a word counts its rarest ones.
 */
const DISTINCTIVE_SHARE = 0.025;
/**
 * A word only one code's messages use (`BitLocker`, `0x1FC07`) is the strongest evidence there is for that code,
 * yet weighing words by how many messages use them undercounts it when the code has several wordings (BitLocker
 * is in four messages, all one code's: the English one and three Polish editions). Found in the input, such a word
 * counts a quarter more towards what a match covers; what a whole message weighs is unchanged, so a message quoted
 * in full is still exactly covered and one without its unique words gains nothing.
 */
const UNIQUE_WORD_BOOST = 1.25;
const MIN_DISTINCTIVE_CODES = 3;

interface Posting {
  readonly doc: number;
  readonly term: number;
}

/** The best stretch of input matching one message. */
export interface MessageHit {
  readonly codeIndex: number;
  /** Equal for hits on the same message words documented under two codes. */
  readonly messageKey: string;
  readonly language: Language;
  /** Share of the message's weight found in the input, 0..1. */
  readonly coverage: number;
  /** Weight found, in absolute terms: of two fully covered messages, the longer explains more of the input. */
  readonly weight: number;
  /** Whether one of the message's rarest words was found; without one, the match is only generic words. */
  readonly distinctive: boolean;
  /** Share of the rare words' weight found, 0..1: a text that shares a message's common words but not its rare ones is another message. */
  readonly distinctiveCoverage: number;
  /** How many distinct words the message has, how many of them are rare, and how many rare ones were found. */
  readonly termCount: number;
  readonly distinctiveTerms: number;
  readonly matchedDistinctiveTerms: number;
  readonly matchedTerms: number;
  readonly start: number;
  readonly end: number;
}

function messageTerms(message: string, language: Language, vocabulary: Vocabulary): { terms: number[]; tokenCount: number } {
  const tokens = tokenize(fold(message));
  const terms: number[] = [];
  for (const token of tokens) {
    if (!isContentToken(token.text)) continue;
    const term = vocabulary.add(token.text, language === 'pl');
    if (!terms.includes(term)) terms.push(term);
  }
  return { terms, tokenCount: tokens.length };
}

/**
 * ARM resource ids (`/subscriptions/.../resourceGroups/.../providers/...`) are data: their
 * segments say "subscriptions", "providers" and "resource" without being any message's words.
 */
function armIdSpans(folded: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (let at = folded.indexOf('/subscriptions/'); at >= 0; at = folded.indexOf('/subscriptions/', at + 1)) {
    let end = at + 1;
    while (end < folded.length && !/[\s'"<>,]/.test(folded.charAt(end))) end++;
    spans.push([at, end]);
    at = end - 1;
  }
  return spans;
}

/** `"errorString": ...`: a JSON key names a field, it is not part of any message. */
function isJsonKey(folded: string, token: Token): boolean {
  if (folded.charCodeAt(token.end) !== 34 /* " */) return false;
  for (let i = token.end + 1; i < folded.length && i < token.end + 4; i++) {
    const ch = folded.charCodeAt(i);
    if (ch === 58 /* : */) return true;
    if (ch !== 32 && ch !== 9) return false;
  }
  return false;
}

/**
 * What a full match weighs. A long message (the BitLocker one has twenty words) is
 * rarely quoted whole, so beyond eight words its base is its six heaviest words, but
 * never less than 45% of all of them: quoting its distinctive part is enough.
 */
function coverageBase(weights: readonly number[]): number {
  const total = weights.reduce((a, b) => a + b, 0);
  if (weights.length <= LONG_MESSAGE_TERMS) return total;
  const heaviest = [...weights].sort((a, b) => b - a).slice(0, LONG_MESSAGE_BASE_TERMS).reduce((a, b) => a + b, 0);
  return Math.max(heaviest, LONG_MESSAGE_MIN_SHARE * total);
}

const LONG_MESSAGE_TERMS = 8;
/** Distinct input words remembered between calls; cleared when full, so a stream of random text cannot grow it. */
const RESOLVED_CACHE_SIZE = 20_000;
const LONG_MESSAGE_BASE_TERMS = 6;
const LONG_MESSAGE_MIN_SHARE = 0.45;

/** Whether the flat [position, term, ...] hits of one message name at least two different terms. */
function hasTwoTerms(hits: readonly number[], length: number): boolean {
  for (let i = 3; i < length; i += 2) if (hits[i] !== hits[1]) return true;
  return false;
}

export function isContentToken(token: string): boolean {
  return token.length >= 2 && !STOPWORDS.has(token);
}

/**
 * Weighted token overlap between the input and every catalogue message (English and
 * Polish). A word's weight is its inverse document frequency over all messages, so
 * `snapshot` or `backup`, which many messages share, count for less than `DHCP` or
 * `BitLocker`. A message matches through the best window of input tokens, which makes
 * word order and a few missing or extra words harmless while a long paste cannot
 * collect one message's words from all over the page.
 */
export class MessageMatcher {
  private readonly docs: readonly MessageDoc[];
  private readonly vocabulary = new Vocabulary();
  /** Term id -> where it occurs. */
  private readonly index: ReadonlyArray<readonly Posting[] | undefined>;
  private readonly resolved = new Map<string, number>();
  private readonly hitsByDoc: number[][];
  private readonly hitLengths: Int32Array;
  private readonly counts: Int32Array;

  constructor(codes: readonly ErrorCodeEntry[]) {
    const raw: Array<{ codeIndex: number; language: Language; terms: number[]; tokenCount: number }> = [];
    codes.forEach((code, codeIndex) => {
      for (const language of ['en', 'pl'] as const) {
        for (const message of code.messages[language]) {
          const { terms, tokenCount } = messageTerms(message, language, this.vocabulary);
          if (terms.length > 0) raw.push({ codeIndex, language, terms, tokenCount });
        }
      }
    });
    // A generic message (messageKind "generic") tells nothing about how common a word is: counting "another … in progress"
    // of a generic MARS message would make the same words of specific messages look common and move their matches.
    const telling = raw.filter((doc) => codes[doc.codeIndex]?.messageKind !== 'generic');
    const df = new Map<number, number>();
    for (const doc of telling) for (const term of doc.terms) df.set(term, (df.get(term) ?? 0) + 1);
    const codesWith = new Map<number, Set<number>>();
    for (const doc of telling) for (const term of doc.terms) codesWith.set(term, (codesWith.get(term) ?? new Set<number>()).add(doc.codeIndex));
    const codeDf = (term: number): number => codesWith.get(term)?.size ?? 0;
    const distinctiveCodes = Math.max(MIN_DISTINCTIVE_CODES, Math.floor(codes.length * DISTINCTIVE_SHARE));
    const n = Math.max(1, telling.length);
    const index: Posting[][] = [];
    this.docs = raw.map((doc, docIndex) => {
      const weights = doc.terms.map((term) => Math.log(1 + n / Math.max(1, df.get(term) ?? 1)));
      const evidence = doc.terms.map((term, i) => (weights[i] as number) * (codeDf(term) === 1 ? UNIQUE_WORD_BOOST : 1));
      const distinctive = doc.terms.map((term) => codeDf(term) <= Math.max(distinctiveCodes, Math.min(...doc.terms.map(codeDf))));
      doc.terms.forEach((term, termIndex) => {
        (index[term] ??= []).push({ doc: docIndex, term: termIndex });
      });
      return {
        codeIndex: doc.codeIndex,
        key: [...doc.terms].sort((a, b) => a - b).join(' '),
        language: doc.language,
        terms: doc.terms,
        weights: evidence,
        plainWeights: weights,
        // Unboosted: a message quoted whole covers exactly its weight (coverage is capped at 1).
        totalWeight: coverageBase(weights),
        distinctive,
        distinctiveTerms: distinctive.filter(Boolean).length,
        // Like the coverage base: a long message quoted in part is judged on the part that fits the base.
        distinctiveWeight: Math.min(coverageBase(weights), weights.reduce((sum, w, i) => sum + (distinctive[i] === true ? w : 0), 0)),
        window: Math.max(doc.tokenCount * 2, doc.tokenCount + 8),
      };
    });
    this.index = index;
    this.hitsByDoc = this.docs.map(() => []);
    this.hitLengths = new Int32Array(this.docs.length);
    this.counts = new Int32Array(Math.max(1, ...this.docs.map((doc) => doc.terms.length)));
  }

  /**
   * The best window per message, then the best message per code. Messages matching
   * fewer than two distinct words, or less than `minCoverage` of their weight, are
   * skipped. `windowed` false scores the whole input as one window (for "closest").
   */
  match(folded: string, tokens: readonly Token[], minCoverage: number, windowed = true): MessageHit[] {
    // Scratch reused across calls (identify() is synchronous): flat [position, term, ...] hits per message.
    const hitsByDoc = this.hitsByDoc;
    const touched: number[] = [];
    const resourceIds = armIdSpans(folded);
    let nextId = 0;
    for (let position = 0; position < tokens.length; position++) {
      const token = tokens[position] as Token;
      if (!isContentToken(token.text) || isJsonKey(folded, token)) continue;
      while (nextId < resourceIds.length && (resourceIds[nextId] as [number, number])[1] <= token.start) nextId++;
      const id = resourceIds[nextId];
      if (id !== undefined && token.start >= id[0]) continue;
      const term = this.resolve(token.text);
      const postings = term < 0 ? undefined : this.index[term];
      if (postings === undefined) continue;
      for (const posting of postings) {
        const list = hitsByDoc[posting.doc] as number[];
        const length = this.hitLengths[posting.doc] as number;
        if (length === 0) touched.push(posting.doc);
        list[length] = position;
        list[length + 1] = posting.term;
        this.hitLengths[posting.doc] = length + 2;
      }
    }
    const bestByCode = new Map<number, MessageHit>();
    try {
      for (const docIndex of touched) {
        const doc = this.docs[docIndex] as MessageDoc;
        // One word found (possibly many times) can match no message: two distinct words are the least a match needs.
        if (!hasTwoTerms(hitsByDoc[docIndex] as number[], this.hitLengths[docIndex] as number)) continue;
        const hit = this.bestWindow(doc, hitsByDoc[docIndex] as number[], this.hitLengths[docIndex] as number, tokens, windowed ? doc.window : Number.POSITIVE_INFINITY, minCoverage);
        if (hit === undefined || hit.matchedTerms < 2 || hit.coverage < minCoverage) continue;
        const current = bestByCode.get(doc.codeIndex);
        if (current === undefined || hit.coverage > current.coverage || (hit.coverage === current.coverage && hit.weight > current.weight)) bestByCode.set(doc.codeIndex, hit);
      }
    } finally {
      // The arrays keep their capacity for the next call; only the lengths are reset.
      for (const docIndex of touched) this.hitLengths[docIndex] = 0;
    }
    return [...bestByCode.values()];
  }

  /** Input word -> term id (or -1), remembered: the same words (JSON keys, VM names) come back paste after paste. */
  private resolve(word: string): number {
    let term = this.resolved.get(word);
    if (term === undefined) {
      term = this.vocabulary.find(word);
      if (this.resolved.size >= RESOLVED_CACHE_SIZE) this.resolved.clear();
      this.resolved.set(word, term);
    }
    return term;
  }

  private bestWindow(doc: MessageDoc, hits: readonly number[], hitsLength: number, tokens: readonly Token[], window: number, minCoverage: number): MessageHit | undefined {
    const counts = this.counts;
    counts.fill(0, 0, doc.terms.length);
    let weight = 0;
    let distinct = 0;
    let rare = 0;
    let rareWeight = 0;
    let left = 0;
    let bestWeight = -1;
    let bestDistinct = 0;
    let bestRare = 0;
    let bestRareWeight = 0;
    let bestFrom = 0;
    let bestTo = 0;
    for (let right = 0; right < hitsLength; right += 2) {
      const position = hits[right] as number;
      const term = hits[right + 1] as number;
      if (counts[term] === 0) {
        weight += doc.weights[term] as number;
        distinct++;
        if (doc.distinctive[term] === true) {
          rare++;
          rareWeight += doc.plainWeights[term] as number;
        }
      }
      counts[term] = (counts[term] as number) + 1;
      while (position - (hits[left] as number) >= window) {
        const leftTerm = hits[left + 1] as number;
        counts[leftTerm] = (counts[leftTerm] as number) - 1;
        if (counts[leftTerm] === 0) {
          weight -= doc.weights[leftTerm] as number;
          distinct--;
          if (doc.distinctive[leftTerm] === true) {
            rare--;
            rareWeight -= doc.plainWeights[leftTerm] as number;
          }
        }
        left += 2;
      }
      if (weight > bestWeight + 1e-9) {
        bestWeight = weight;
        bestDistinct = distinct;
        bestRare = rare;
        bestRareWeight = rareWeight;
        bestFrom = hits[left] as number;
        bestTo = position;
      }
    }
    if (bestWeight < 0) return undefined;
    // Rounded so that float noise cannot make one fully covered message beat another.
    const coverage = Math.min(1, Math.round((bestWeight / doc.totalWeight) * 1e6) / 1e6);
    // Most messages a long paste touches fall short: no hit is made for them (a paste touches hundreds).
    if (bestDistinct < 2 || coverage < minCoverage) return undefined;
    return {
      codeIndex: doc.codeIndex,
      messageKey: doc.key,
      language: doc.language,
      coverage,
      weight: bestWeight,
      distinctive: bestRare > 0,
      distinctiveCoverage: doc.distinctiveWeight > 0 ? Math.min(1, Math.round((bestRareWeight / doc.distinctiveWeight) * 1e6) / 1e6) : 0,
      termCount: doc.terms.length,
      distinctiveTerms: doc.distinctiveTerms,
      matchedDistinctiveTerms: bestRare,
      matchedTerms: bestDistinct,
      start: (tokens[bestFrom] as Token).start,
      end: (tokens[bestTo] as Token).end,
    };
  }
}
