/**
 * A KQL query read the way Kusto reads it, in one pass: which parts are comments, which are
 * string literals and which are code. A check on a query's words must see only what runs (a
 * table named in a comment reads nothing), and it must do bounded work on whatever an alert
 * body carries: a scanner that never looks back, where a regular expression over escaped
 * quotes could backtrack from every one of them.
 */
export interface KqlText {
  /** The query with its comments and string literals each replaced by one space. */
  readonly code: string;
  /** The query with its comments replaced by one space and its strings kept. */
  readonly withoutComments: string;
}

/** Comments end at any line break; a single-line string at \n or \r (Kusto's own rules). */
const commentEnd = /[\n\r\u2028\u2029]/g;

export function readKql(query: string): KqlText {
  let code = '';
  let withoutComments = '';
  let runStart = 0;
  let i = 0;
  const endRun = (at: number): void => {
    const run = query.slice(runStart, at);
    code += run;
    withoutComments += run;
  };
  while (i < query.length) {
    const end = literalOrCommentEnd(query, i);
    if (end === undefined) {
      i += 1;
      continue;
    }
    endRun(i);
    code += ' ';
    withoutComments += query.startsWith('//', i) ? ' ' : query.slice(i, end);
    i = end;
    runStart = end;
  }
  endRun(query.length);
  return { code, withoutComments };
}

/** Where the comment or string literal starting at `i` ends (exclusive), or undefined when none starts there. */
function literalOrCommentEnd(query: string, i: number): number | undefined {
  const c = query[i];
  if (c === '/' && query[i + 1] === '/') {
    commentEnd.lastIndex = i + 2;
    return commentEnd.exec(query)?.index ?? query.length;
  }
  if (c === '`' && query.startsWith('```', i)) {
    const close = query.indexOf('```', i + 3);
    return close < 0 ? query.length : close + 3;
  }
  if (c === '@' && (query[i + 1] === "'" || query[i + 1] === '"')) return verbatimEnd(query, i + 1);
  if (c === "'" || c === '"') return quotedEnd(query, i);
  return undefined;
}

/** A verbatim string (@'…'): no escapes, its quote doubled to hold one, and it may span lines. */
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
