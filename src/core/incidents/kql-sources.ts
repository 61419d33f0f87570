/**
 * Which tables a KQL query reads, from its code (comments and strings blanked: see kqlTokens):
 * the source of each statement and of each `let`, the operands of `union`, `join` and `lookup`,
 * every parenthesised sub-query, and `toscalar` / `materialize`. Lexical, not a parser: it reads
 * the forms a log search alert rule uses, and anything it cannot place (a table named by a
 * variable, an operator that reads every table) is reported, so the caller can refuse it.
 */
export interface KqlSources {
  /** Names read as tables, as written (let-bound names included: the caller allows those). */
  readonly tables: readonly string[];
  /** Names bound by `let`. */
  readonly letNames: ReadonlySet<string>;
  /** An operator that reads every table, or a table whose name is not written: `union *`, `search`, `find`, `table(name)`. */
  readonly unbounded: string | undefined;
}

const identifier = '[A-Za-z_][A-Za-z0-9_]*';
/** Operator options such as kind=inner, withsource=T, hint.strategy=shuffle, isfuzzy=true. */
const options = `(?:\\s+[A-Za-z_][\\w.]*\\s*=\\s*\\w+)*`;

const letBinding = new RegExp(`^let\\s+(${identifier})\\s*=\\s*`, 'i');
const leadingName = new RegExp(`^(${identifier})\\s*(?:\\||$)`);
const statementSource = new RegExp(`^(${identifier})`);
const unionKeyword = new RegExp(`\\bunion\\b${options}`, 'gi');
const operandName = new RegExp(`^\\(?\\s*(${identifier})`);
const tabularIn = new RegExp(`(?:\\bin~?|\\bhas_any|\\bhas_all)\\s*\\(\\s*(${identifier})\\s*\\)`, 'gi');
const invoked = new RegExp(`\\binvoke\\s+(${identifier})`, 'gi');
const joinSource = new RegExp(`\\b(?:join|lookup)\\b${options}\\s*\\(?\\s*(${identifier})`, 'gi');
const subQuery = new RegExp(`\\(\\s*(${identifier})\\s*\\|`, 'g');
const scalarSource = new RegExp(`\\b(?:toscalar|materialize)\\s*\\(\\s*(${identifier})`, 'gi');
const dynamicTable = new RegExp(`\\btable\\s*\\(\\s*${identifier}`, 'i');
const scanningStart = /^(?:search|find)\b/i;
const nestedScan = /\(\s*(?:search|find)\b/i;

/** Statements that bind, declare or set, and read no table of their own. */
const settingStatements = /^(?:set|declare|alias|pattern|restrict)\b/i;
/** Tabular sources that are not tables. */
const notTables: ReadonlySet<string> = new Set(['print', 'range', 'datatable', 'union', 'let', 'table']);

export function kqlSources(code: string): KqlSources {
  const tables: string[] = [];
  const letNames = new Set<string>();
  let unbounded: string | undefined;

  for (const raw of code.split(';')) {
    const statement = raw.trim();
    if (statement === '' || settingStatements.test(statement)) continue;
    if (scanningStart.test(statement)) unbounded ??= statement.split(/\s/, 1)[0]?.toLowerCase();
    const binding = letBinding.exec(statement);
    if (binding) {
      letNames.add((binding[1] as string).toLowerCase());
      const value = leadingName.exec(statement.slice(binding[0].length));
      if (value) tables.push(value[1] as string);
      continue;
    }
    const source = statementSource.exec(statement);
    if (source) tables.push(source[1] as string);
  }
  for (const match of code.matchAll(unionKeyword)) {
    const operands = unionOperandsAt(code, match.index + match[0].length);
    if (operands === undefined) unbounded ??= 'union with operands too long to read';
    for (const operand of operands ?? []) {
      if (operand.startsWith('*')) unbounded ??= 'union *';
      const name = operandName.exec(operand);
      if (name) tables.push(name[1] as string);
    }
  }
  for (const pattern of [joinSource, subQuery, scalarSource, tabularIn, invoked]) for (const match of code.matchAll(pattern)) tables.push(match[1] as string);
  if (nestedScan.test(code)) unbounded ??= 'search';
  if (dynamicTable.test(code)) unbounded ??= 'table(name)';
  return { tables: tables.filter((t) => !notTables.has(t.toLowerCase())), letNames, unbounded };
}

/** How far one union's operands are read: nested unions each read their own, so the whole stays bounded. */
const maxUnionChars = 4_000;

/**
 * The operands of one `union`, up to the pipe, semicolon or closing parenthesis that ends it
 * (parentheses inside followed); undefined when they run on past maxUnionChars.
 */
function unionOperandsAt(code: string, from: number): string[] | undefined {
  const operands: string[] = [];
  let depth = 0;
  let start = from;
  let i = from;
  const end = Math.min(code.length, from + maxUnionChars);
  for (; i < end; i++) {
    const c = code[i];
    if (c === '(') depth += 1;
    else if (c === ')') {
      if (depth === 0) break;
      depth -= 1;
    } else if (depth === 0 && (c === '|' || c === ';')) break;
    else if (depth === 0 && c === ',') {
      operands.push(code.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (i === end && end < code.length) return undefined;
  operands.push(code.slice(start, i).trim());
  return operands;
}
