import type { ErrorCodeEntry } from '../knowledge/schema';
import { boundedDamerauLevenshtein } from './edit-distance';
import { isAlnum, type Token } from './text-fold';

/** What the code matcher found for one code; the identifier merges these with message matches. */
export interface CodeHit {
  readonly codeIndex: number;
  readonly kind: 'code' | 'alias' | 'numeric-code' | 'near-miss';
  readonly confidence: number;
  readonly start: number;
  readonly end: number;
  /** Found glued inside a longer token rather than standing alone. */
  readonly embedded?: boolean;
}

interface Name {
  readonly folded: string;
  readonly codeIndex: number;
  readonly kind: 'code' | 'alias';
  /** The first letters it shares with other names (`usererror`...): searched for once per text. */
  readonly prefix: string;
}

/** Names are found through their first letters, which many share: one search per prefix instead of one per name. */
const PREFIX_LENGTH = 4;
const PREFIX_POSITIONS = 64;
const NO_POSITIONS: readonly number[] = [];

/** Where `name` occurs in `text`, at most MAX_OCCURRENCES times. */
function* occurrences(text: string, name: string): Generator<number> {
  let seen = 0;
  for (let at = text.indexOf(name); at >= 0 && seen < MAX_OCCURRENCES; at = text.indexOf(name, at + 1)) {
    seen++;
    yield at;
  }
}

/** A code name standing alone (`...: UserErrorX.`, `"AB-usererrorx"`). */
export const EXACT_CONFIDENCE = 1;
export const ALIAS_CONFIDENCE = 0.97;
/** Glued inside a longer token, as in an alert's `originAlertId`. */
export const EMBEDDED_CONFIDENCE = 0.92;
export const NUMERIC_CONFIDENCE = 0.9;

/**
 * Names shorter than this (`AzureVmOffline`, `ResourceNotFound`) are ordinary enough to
 * occur inside other identifiers (`ParentResourceNotFound`), so they only count glued
 * inside a token when that token looks like an opaque alert id.
 */
const EMBEDDED_MIN_NAME = 18;
const ALERT_ID_MIN_TOKEN = 30;
/** How far around a name its token is read (an alert id is about a hundred letters). */
const TOKEN_LOOK_AROUND = 256;
/** The most occurrences of one name examined: a paste repeating a code a thousand times says no more. */
const MAX_OCCURRENCES = 16;
const NEAR_MISS_MIN_TOKEN = 10;
/** Words around a number that make it an error code rather than a size, a port or a count. */
const NUMERIC_CONTEXT = /error|code|kod|blad|bledu|failure|identyfikator|\bid\s*:/;

/** Edits allowed for a name of this length: none for short names, two from 16 letters on. */
export function allowedTypos(nameLength: number): number {
  if (nameLength < 10) return 0;
  return nameLength < 16 ? 1 : 2;
}

/**
 * Finds code names (ids and aliases), documented numeric codes and near-misses in a
 * folded text. Built once per knowledge base.
 */
export class CodeMatcher {
  private readonly names: readonly Name[];
  private readonly byName: ReadonlyMap<string, Name>;
  private readonly numeric: ReadonlyMap<number, number>;
  private readonly minNameLength: number;
  private readonly maxNameLength: number;

  constructor(codes: readonly ErrorCodeEntry[]) {
    const byName = new Map<string, Name>();
    const numeric = new Map<number, number>();
    codes.forEach((code, codeIndex) => {
      const add = (raw: string, kind: Name['kind']): void => {
        const folded = raw.toLowerCase();
        // The first owner keeps a name: an id beats another code's alias of the same spelling.
        if (!byName.has(folded) || (kind === 'code' && byName.get(folded)?.kind === 'alias')) byName.set(folded, { folded, codeIndex, kind, prefix: folded.slice(0, PREFIX_LENGTH) });
      };
      add(code.id, 'code');
      for (const alias of code.aliases) add(alias, 'alias');
      for (const n of code.numericCodes) if (!numeric.has(n)) numeric.set(n, codeIndex);
    });
    // Longest first, so that `BackUpOperationFailedV2` claims its span before `BackUpOperationFailed`.
    this.names = [...byName.values()].sort((a, b) => b.folded.length - a.folded.length);
    this.byName = byName;
    this.numeric = numeric;
    this.minNameLength = Math.min(...this.names.map((n) => n.folded.length));
    this.maxNameLength = Math.max(...this.names.map((n) => n.folded.length));
  }

  /** Exact and embedded names; the spans they claim are returned so near-miss and message matching skip them. */
  findNames(folded: string): CodeHit[] {
    const hits: CodeHit[] = [];
    const claimed: Array<[number, number]> = [];
    // Where each shared prefix occurs, found once; a prefix repeated past PREFIX_POSITIONS (a flood of one word)
    // is left to a plain search per name, which skips the flood faster than checking every name at every spot.
    const prefixAt = new Map<string, readonly number[] | null>();
    const positionsOf = (prefix: string): readonly number[] | null => {
      let positions = prefixAt.get(prefix);
      if (positions === undefined) {
        const first = folded.indexOf(prefix);
        // Most prefixes are absent from a text: one shared empty list for them all.
        if (first < 0) positions = NO_POSITIONS;
        else {
          const found: number[] = [];
          for (let at = first; at >= 0 && found.length <= PREFIX_POSITIONS; at = folded.indexOf(prefix, at + 1)) found.push(at);
          positions = found.length > PREFIX_POSITIONS ? null : found;
        }
        prefixAt.set(prefix, positions);
      }
      return positions;
    };
    for (const name of this.names) {
      let seen = 0;
      for (const at of positionsOf(name.prefix) ?? occurrences(folded, name.folded)) {
        if (seen >= MAX_OCCURRENCES) break;
        if (!folded.startsWith(name.folded, at)) continue;
        seen++;
        const end = at + name.folded.length;
        if (claimed.some(([s, e]) => at < e && end > s)) continue;
        const confidence = this.nameConfidence(folded, name, at, end);
        if (confidence === 0) continue;
        claimed.push([at, end]);
        const hit: CodeHit = { codeIndex: name.codeIndex, kind: name.kind, confidence, start: at, end };
        hits.push(confidence === EMBEDDED_CONFIDENCE ? { ...hit, embedded: true } : hit);
      }
    }
    return hits;
  }

  private nameConfidence(folded: string, name: Name, start: number, end: number): number {
    const bounded = (start === 0 || !isAlnum(folded.charCodeAt(start - 1))) && (end >= folded.length || !isAlnum(folded.charCodeAt(end)));
    if (bounded) return name.kind === 'code' ? EXACT_CONFIDENCE : ALIAS_CONFIDENCE;
    // The token around the name, looked at no further than TOKEN_LOOK_AROUND each way: a paste of codes glued into
    // one 64 KB token would otherwise be walked end to end for every name found in it. Past that the token is
    // long enough for every rule below.
    let tokenStart = start;
    const lowest = Math.max(0, start - TOKEN_LOOK_AROUND);
    while (tokenStart > lowest && isAlnum(folded.charCodeAt(tokenStart - 1))) tokenStart--;
    let tokenEnd = end;
    const highest = Math.min(folded.length, end + TOKEN_LOOK_AROUND);
    while (tokenEnd < highest && isAlnum(folded.charCodeAt(tokenEnd))) tokenEnd++;
    const tokenLength = tokenEnd - tokenStart;
    // One or two letters more is a typo of some longer code (`BackUpOperationFailedV3`): near-miss decides.
    if (tokenLength - name.folded.length <= 2) return 0;
    if (name.folded.length >= EMBEDDED_MIN_NAME) return EMBEDDED_CONFIDENCE;
    const token = folded.slice(tokenStart, tokenEnd);
    return tokenLength >= ALERT_ID_MIN_TOKEN && /[0-9]/.test(token) ? EMBEDDED_CONFIDENCE : 0;
  }

  /** Documented numeric codes (`320001`), only where the words around them say "error code". */
  findNumeric(folded: string): CodeHit[] {
    if (this.numeric.size === 0) return [];
    const hits: CodeHit[] = [];
    const pattern = /[0-9]{5,7}/g;
    for (let m = pattern.exec(folded); m !== null; m = pattern.exec(folded)) {
      const start = m.index;
      const end = start + m[0].length;
      if ((start > 0 && isAlnum(folded.charCodeAt(start - 1))) || (end < folded.length && isAlnum(folded.charCodeAt(end)))) continue;
      const codeIndex = this.numeric.get(Number(m[0]));
      if (codeIndex === undefined) continue;
      const context = folded.slice(Math.max(0, start - 40), start) + ' ' + folded.slice(end, end + 25);
      if (!NUMERIC_CONTEXT.test(context)) continue;
      hits.push({ codeIndex, kind: 'numeric-code', confidence: NUMERIC_CONFIDENCE, start, end });
    }
    return hits;
  }

  /**
   * Tokens that are a code name with one or two typos. Only tokens long enough to be a
   * code and not standing exactly for a name are compared, each name allowing
   * `allowedTypos(length)` edits; confidence falls with the edits per letter.
   */
  findNearMisses(tokens: readonly Token[], claimed: readonly CodeHit[]): CodeHit[] {
    const hits: CodeHit[] = [];
    const done = new Set<string>();
    for (const token of tokens) {
      const len = token.text.length;
      if (len < NEAR_MISS_MIN_TOKEN || len < this.minNameLength - 2 || len > this.maxNameLength + 2) continue;
      if (this.byName.has(token.text) || done.has(token.text)) continue;
      if (claimed.some((hit) => hit.embedded !== true && token.start < hit.end && token.end > hit.start)) continue;
      done.add(token.text);
      let best: { name: Name; distance: number } | undefined;
      for (const name of this.names) {
        const max = allowedTypos(name.folded.length);
        if (max === 0 || Math.abs(name.folded.length - len) > max) continue;
        const limit = best === undefined ? max : Math.min(max, best.distance - 1);
        if (limit < 1) continue;
        const distance = boundedDamerauLevenshtein(token.text, name.folded, limit);
        if (distance <= limit) best = { name, distance };
      }
      if (best !== undefined) {
        hits.push({ codeIndex: best.name.codeIndex, kind: 'near-miss', confidence: nearMissConfidence(best.distance, best.name.folded.length), start: token.start, end: token.end });
      }
    }
    return hits;
  }
}

/** 0.85 for one typo in a 20-letter code, down to about 0.7 for two in a 16-letter one. */
export function nearMissConfidence(distance: number, nameLength: number): number {
  return Math.max(0, 0.9 - (distance * 1.6) / nameLength - (distance - 1) * 0.05);
}
