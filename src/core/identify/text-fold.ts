/**
 * Text normalisation shared by the matchers. Everything is folded to lower-case
 * ASCII so that `Wirtualnej`, `wirtualnej` and a diacritic-free `wirtualnej`
 * typed on an English keyboard meet, and folding keeps the string's length so that
 * offsets found in the folded text still point into the text the user wrote.
 */

/** Input beyond this is ignored: a paste is a message, a job or an alert, not a log file. */
export const MAX_INPUT_CHARS = 64 * 1024;

const COMBINING_MARKS = /[\u0300-\u036f]/g;

/** Latin letters without a canonical decomposition (ł is the one Polish needs). */
const SPECIAL_FOLDS: Readonly<Record<string, string>> = { ł: 'l', đ: 'd', ø: 'o', ß: 's', æ: 'a', œ: 'o', ı: 'i', ħ: 'h', ŧ: 't' };

const FOLD_TABLE: ReadonlyMap<string, string> = buildFoldTable();

function buildFoldTable(): Map<string, string> {
  const table = new Map<string, string>();
  for (let cp = 0xc0; cp <= 0x24f; cp++) {
    const ch = String.fromCharCode(cp);
    const lower = ch.toLowerCase();
    const base = lower.normalize('NFD').replace(COMBINING_MARKS, '');
    const folded = SPECIAL_FOLDS[lower] ?? base;
    if (folded.length === 1 && folded !== ch) table.set(ch, folded);
  }
  return table;
}

/** Lower-case, diacritics removed, same length as the input. */
export function fold(text: string): string {
  let lower = text.toLowerCase();
  // A few characters (e.g. U+0130) lower-case to two code units; keep the length so offsets stay valid.
  if (lower.length !== text.length) {
    let out = '';
    for (const ch of text) {
      const l = ch.toLowerCase();
      out += l.length === ch.length ? l : ch;
    }
    lower = out;
  }
  return lower.replace(/[\u00c0-\u024f]/g, (ch) => FOLD_TABLE.get(ch) ?? ch);
}

/**
 * A pasted JSON document may carry its messages escaped (`\u0105`, `\n`, `\"`);
 * undo that so the message words are words again. Harmless on plain text.
 */
export function jsonUnescape(text: string): string {
  if (!text.includes('\\')) return text;
  return text.replace(/\\u([0-9a-fA-F]{4})|\\([nrt"\\/])/g, (_match, hex: string | undefined, ch: string | undefined) => {
    if (hex !== undefined) return String.fromCharCode(parseInt(hex, 16));
    return ch === 'n' || ch === 'r' || ch === 't' ? ' ' : (ch ?? '');
  });
}

export interface Token {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** Runs of ASCII letters and digits of a folded text. */
export function tokenize(folded: string): Token[] {
  // A plain scan: a regex would allocate a match array per token.
  const tokens: Token[] = [];
  let start = -1;
  for (let i = 0; i <= folded.length; i++) {
    const inWord = i < folded.length && isAlnum(folded.charCodeAt(i));
    if (inWord && start < 0) start = i;
    else if (!inWord && start >= 0) {
      tokens.push({ text: folded.slice(start, i), start, end: i });
      start = -1;
    }
  }
  return tokens;
}

export function isAlnum(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 48 && code <= 57);
}
