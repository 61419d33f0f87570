/**
 * A KQL query read the way Kusto reads it, in one pass: which parts are comments, which are
 * string literals and which are code. A check on a query's words must see only what runs (a
 * table named in a comment or a string reads nothing), and it must do bounded work on whatever
 * an alert body carries: a scanner that never looks back, where a regular expression over
 * escaped quotes could backtrack from every one of them.
 */
export interface KqlToken {
  readonly kind: 'code' | 'string' | 'comment';
  /** The token as written (a string with its quotes and any @ prefix). */
  readonly text: string;
}

/** Comments end at any line break; a single-line string at \n or \r (Kusto's own rules). */
const commentEnd = /[\n\r\u2028\u2029]/g;

/** Kusto's two multi-line string quotes. */
const multiLineQuotes = ['```', '~~~'];

/**
 * The query in order: runs of code, string literals and comments. A generator, so a hostile
 * query of a megabyte of quotes never becomes a megabyte of token objects held at once.
 */
export function* kqlTokens(query: string): Generator<KqlToken> {
  let runStart = 0;
  let i = 0;
  while (i < query.length) {
    const literal = literalOrCommentAt(query, i);
    if (literal === undefined) {
      i += 1;
      continue;
    }
    if (i > runStart) yield { kind: 'code', text: query.slice(runStart, i) };
    yield { kind: literal.kind, text: query.slice(i, literal.end) };
    i = literal.end;
    runStart = i;
  }
  if (runStart < query.length) yield { kind: 'code', text: query.slice(runStart) };
}

/** The query with its comments and string literals each replaced by one space. */
export function kqlCode(query: string): string {
  let code = '';
  for (const token of kqlTokens(query)) code += token.kind === 'code' ? token.text : ' ';
  return code;
}

/** A string token's value: without its @ prefix and its quotes (escapes are left as written). */
export function stringValue(token: KqlToken): string {
  const text = token.text.startsWith('@') ? token.text.slice(1) : token.text;
  const quote = multiLineQuotes.find((q) => text.startsWith(q)) ?? text.charAt(0);
  const body = text.slice(quote.length);
  return body.endsWith(quote) ? body.slice(0, body.length - quote.length) : body;
}

/** The comment or string literal starting at `i` and where it ends (exclusive), or undefined when none starts there. */
function literalOrCommentAt(query: string, i: number): { kind: 'string' | 'comment'; end: number } | undefined {
  const c = query[i];
  if (c === '/' && query[i + 1] === '/') {
    commentEnd.lastIndex = i + 2;
    return { kind: 'comment', end: commentEnd.exec(query)?.index ?? query.length };
  }
  if (c === '`' || c === '~') {
    const quote = multiLineQuotes.find((q) => query.startsWith(q, i));
    if (quote === undefined) return undefined;
    const close = query.indexOf(quote, i + quote.length);
    return { kind: 'string', end: close < 0 ? query.length : close + quote.length };
  }
  if (c === '@' && (query[i + 1] === "'" || query[i + 1] === '"')) return { kind: 'string', end: verbatimEnd(query, i + 1) };
  if (c === "'" || c === '"') return { kind: 'string', end: quotedEnd(query, i) };
  return undefined;
}

/** A verbatim string (@'…'): no escapes, its quote doubled to hold one. */
function verbatimEnd(query: string, open: number): number {
  const quote = query[open] as string;
  let j = open + 1;
  while (j < query.length) {
    const close = query.indexOf(quote, j);
    if (close < 0) return query.length;
    if (query[close + 1] !== quote) return close + 1;
    j = close + 2;
  }
  return query.length;
}

/** A single-line string ('…' or "…") with backslash escapes; unterminated, it ends at the line break. */
function quotedEnd(query: string, open: number): number {
  const quote = query[open];
  let j = open + 1;
  while (j < query.length) {
    const ch = query[j];
    if (ch === quote) return j + 1;
    if (ch === '\n' || ch === '\r') return j;
    j += ch === '\\' && query[j + 1] !== '\n' && query[j + 1] !== '\r' ? 2 : 1;
  }
  return query.length;
}
