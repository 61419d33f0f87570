import type { z } from 'zod';
import { CodedError } from '../errors';
import { jsonErrorOffset } from './json-error-offset';
import {
  AreaSchema,
  CauseFileSchema,
  ChecksFileSchema,
  CodeFileSchema,
  EscalationFileSchema,
  FixesFileSchema,
  WorkloadSchema,
  type Area,
  type Cause,
  type CheckEntry,
  type Edition,
  type ErrorCodeEntry,
  type Escalation,
  type FixEntry,
  type Workload,
} from './schema';

/** One file of the knowledge folder, already parsed. `path` is relative, e.g. `knowledge/codes/BackUpOperationFailed.json`. */
export interface KnowledgeFile {
  readonly path: string;
  readonly json: unknown;
}

/** One file of the knowledge folder as raw text, so a JSON syntax error is reported like any other problem. */
export interface KnowledgeTextFile {
  readonly path: string;
  readonly text: string;
}

/** One thing wrong with the knowledge folder: which file, where inside it, and why. */
export interface KnowledgeProblem {
  readonly file: string;
  /** Location inside the file, e.g. `causes[2].cause`; `(root)` for the whole file. */
  readonly path: string;
  readonly reason: string;
}

export interface KnowledgeBase {
  /** Every code, sorted by id (case-insensitive). */
  readonly codes: readonly ErrorCodeEntry[];
  /** Every cause, sorted by id. */
  readonly causes: readonly Cause[];
  readonly checks: readonly CheckEntry[];
  readonly fixes: readonly FixEntry[];
  readonly escalation: Escalation;
  /** A code by its id or one of its aliases, case-insensitive. */
  findCode(idOrAlias: string): ErrorCodeEntry | undefined;
  /** A code by the integer the job API reports (errorDetails[].errorCode), where documented. */
  findCodeByNumber(numericCode: number): ErrorCodeEntry | undefined;
  cause(id: string): Cause | undefined;
  check(id: string): CheckEntry | undefined;
  fix(id: string): FixEntry | undefined;
  /** Like `findCode`/`cause`, but a miss is a `knowledge_reference_missing` error. */
  requireCode(idOrAlias: string): ErrorCodeEntry;
  requireCause(id: string): Cause;
  /** The code's causes in the documented order (seed order first, then what newer guidance adds). */
  orderedCauses(code: ErrorCodeEntry | string): readonly Cause[];
  /** The edition that put each cause at its place in the code's list, aligned with `orderedCauses`. */
  causeEditions(code: ErrorCodeEntry | string): readonly Edition[];
  /** Codes whose ordered causes include this cause. */
  codesForCause(causeId: string): readonly ErrorCodeEntry[];
  /** Codes grouped by area, areas in the schema's order, only areas that have codes. */
  codesByArea(): ReadonlyMap<Area, readonly ErrorCodeEntry[]>;
  /** Codes grouped by workload, workloads in the schema's order, only workloads that have codes. */
  codesByWorkload(): ReadonlyMap<Workload, readonly ErrorCodeEntry[]>;
}

type FileKind = { kind: 'code' | 'cause'; name: string } | { kind: 'checks' | 'fixes' | 'escalation' };

const editionRank: Readonly<Record<Edition, number>> = { '2018': 0, current: 1, general: 2 };

/**
 * Validates the whole knowledge folder (schemas and every cross-reference) and builds
 * the read-only knowledge base. All problems are collected, so a broken folder is
 * fixed in one pass; they are thrown together as `CodedError('knowledge_invalid')`.
 */
export function buildKnowledgeBase(files: readonly (KnowledgeFile | KnowledgeTextFile)[]): KnowledgeBase {
  const problems: KnowledgeProblem[] = [];
  const codes: { file: string; entry: ErrorCodeEntry }[] = [];
  const causes: { file: string; entry: Cause }[] = [];
  let checks: { file: string; entries: CheckEntry[] } | undefined;
  let fixes: { file: string; entries: FixEntry[] } | undefined;
  let escalation: Escalation | undefined;
  const seenSingletons = new Map<string, string>();
  // Causes whose own file is broken: already reported there, so references to them are not reported again.
  const brokenCauses = new Set<string>();

  for (const source of files) {
    const file = normalisePath(source.path);
    const kind = classify(file);
    const json = 'text' in source ? parseJson(file, source.text, problems) : { ok: true as const, value: source.json };
    if (!json.ok) {
      if (kind?.kind === 'cause') brokenCauses.add(kind.name);
      continue;
    }
    if (kind === undefined) {
      problems.push({ file, path: '(root)', reason: 'not a knowledge file: expected codes/<CodeId>.json, causes/<cause-id>.json, checks.json, fixes.json or escalation.json' });
      continue;
    }
    if (kind.kind === 'checks' || kind.kind === 'fixes' || kind.kind === 'escalation') {
      const earlier = seenSingletons.get(kind.kind);
      if (earlier !== undefined) {
        problems.push({ file, path: '(root)', reason: `duplicate ${kind.kind} file (already read ${earlier})` });
        continue;
      }
      seenSingletons.set(kind.kind, file);
    }
    switch (kind.kind) {
      case 'code': {
        const entry = validate(CodeFileSchema, json.value, file, problems);
        if (entry === undefined) break;
        if (entry.id !== kind.name) problems.push({ file, path: 'id', reason: `code id "${entry.id}" does not match the file name "${kind.name}.json"` });
        codes.push({ file, entry });
        break;
      }
      case 'cause': {
        const entry = validate(CauseFileSchema, json.value, file, problems);
        if (entry === undefined) {
          brokenCauses.add(kind.name);
          break;
        }
        if (entry.id !== kind.name) problems.push({ file, path: 'id', reason: `cause id "${entry.id}" does not match the file name "${kind.name}.json"` });
        causes.push({ file, entry });
        break;
      }
      case 'checks': {
        const parsed = validate(ChecksFileSchema, json.value, file, problems);
        if (parsed !== undefined) checks = { file, entries: parsed.checks };
        break;
      }
      case 'fixes': {
        const parsed = validate(FixesFileSchema, json.value, file, problems);
        if (parsed !== undefined) fixes = { file, entries: parsed.fixes };
        break;
      }
      case 'escalation': {
        const parsed = validate(EscalationFileSchema, json.value, file, problems);
        if (parsed !== undefined) escalation = parsed;
        break;
      }
    }
  }

  for (const kind of ['checks', 'fixes', 'escalation'] as const) {
    if (!seenSingletons.has(kind)) problems.push({ file: `knowledge/${kind}.json`, path: '(root)', reason: 'file is missing' });
  }
  if (codes.length === 0 && !problems.some((p) => p.file.includes('/codes/'))) {
    problems.push({ file: 'knowledge/codes/', path: '(root)', reason: 'no error codes: the folder holds no code file' });
  }

  const causeById = uniqueIndex(causes.map((c) => ({ file: c.file, id: c.entry.id, value: c.entry })), 'cause', problems);
  const checkById = uniqueIndex((checks?.entries ?? []).map((c, i) => ({ file: checks?.file ?? '', at: `checks[${i}].id`, id: c.id, value: c })), 'check', problems);
  const fixById = uniqueIndex((fixes?.entries ?? []).map((f, i) => ({ file: fixes?.file ?? '', at: `fixes[${i}].id`, id: f.id, value: f })), 'fix', problems);

  for (const { file, entry } of causes) {
    checkUrl(file, 'docUrl', entry.docUrl, problems);
    entry.steps.forEach((step, i) => {
      if (step.commands?.some((c) => c !== c.trim())) problems.push({ file, path: `steps[${i}].commands`, reason: 'a command has leading or trailing spaces' });
    });
    if (checks !== undefined) {
      entry.checks.forEach((id, i) => {
        if (!checkById.has(id)) problems.push({ file, path: `checks[${i}]`, reason: `unknown check id "${id}" (not in knowledge/checks.json)` });
      });
    }
    if (fixes !== undefined) {
      entry.fixes.forEach((id, i) => {
        if (!fixById.has(id)) problems.push({ file, path: `fixes[${i}]`, reason: `unknown fix id "${id}" (not in knowledge/fixes.json)` });
      });
    }
    reportDuplicates(entry.checks, file, 'checks', problems);
    reportDuplicates(entry.fixes, file, 'fixes', problems);
    reportDuplicates(entry.editions, file, 'editions', problems);
  }
  if (escalation !== undefined) checkUrl('knowledge/escalation.json', 'supportUrl', escalation.supportUrl, problems);

  // Ids and aliases share one case-insensitive namespace: "extentionoperationfailed" must find exactly one code.
  const codeByName = new Map<string, { file: string; entry: ErrorCodeEntry }>();
  const codeByNumber = new Map<number, ErrorCodeEntry>();
  // Ids first, then aliases, so an alias that takes another code's id is reported on the alias.
  const names = codes.flatMap((item) => [
    { item, name: item.entry.id, at: 'id', order: 0 },
    ...item.entry.aliases.map((alias, i) => ({ item, name: alias, at: `aliases[${i}]`, order: 1 })),
  ]);
  names.sort((a, b) => a.order - b.order);
  for (const { item, name, at } of names) {
    const key = name.toLowerCase();
    const holder = codeByName.get(key);
    if (holder === undefined) codeByName.set(key, item);
    else if (holder.entry === item.entry) problems.push({ file: item.file, path: at, reason: `"${name}" is listed twice for this code (case-insensitive)` });
    else problems.push({ file: item.file, path: at, reason: `duplicate code name or alias "${name}" (case-insensitive): already used by ${holder.file}` });
  }
  for (const item of codes) {
    const { file, entry } = item;
    checkUrl(file, 'docUrl', entry.docUrl, problems);
    entry.numericCodes.forEach((n, i) => {
      const holder = codeByNumber.get(n);
      if (holder !== undefined && holder !== entry) problems.push({ file, path: `numericCodes[${i}]`, reason: `numeric code ${n} already belongs to ${holder.id}` });
      else codeByNumber.set(n, entry);
    });
    reportDuplicates(entry.editions, file, 'editions', problems);
    reportDuplicates(entry.workloadTwins, file, 'workloadTwins', problems);
    entry.workloadTwins.forEach((twinId, i) => {
      const twin = codes.find((c) => c.entry.id === twinId)?.entry;
      const at = `workloadTwins[${i}]`;
      if (twin === undefined) problems.push({ file, path: at, reason: `unknown code "${twinId}" (no knowledge/codes/${twinId}.json)` });
      else if (twin.workload === entry.workload) problems.push({ file, path: at, reason: `"${twinId}" is of the same workload (${entry.workload}); twins are codes of different workloads` });
      else if (!twin.workloadTwins.includes(entry.id)) problems.push({ file, path: at, reason: `"${twinId}" does not list "${entry.id}" as its twin: list each twin on both codes` });
    });
    reportDuplicates(entry.messages.en, file, 'messages.en', problems);
    reportDuplicates(entry.messages.pl, file, 'messages.pl', problems);
    const seenCauses = new Set<string>();
    let previousRank = -1;
    let orderReported = false;
    entry.causes.forEach((ref, i) => {
      const at = `causes[${i}]`;
      if (seenCauses.has(ref.cause)) problems.push({ file, path: `${at}.cause`, reason: `cause "${ref.cause}" is listed twice` });
      seenCauses.add(ref.cause);
      const cause = causeById.get(ref.cause);
      if (cause === undefined) {
        if (!brokenCauses.has(ref.cause)) problems.push({ file, path: `${at}.cause`, reason: `unknown cause id "${ref.cause}" (no knowledge/causes/${ref.cause}.json)` });
      } else if (!cause.editions.includes(ref.edition)) {
        problems.push({ file, path: `${at}.edition`, reason: `cause "${ref.cause}" does not list edition "${ref.edition}" in its editions (${cause.editions.join(', ')})` });
      }
      if (!entry.editions.includes(ref.edition)) problems.push({ file, path: `${at}.edition`, reason: `edition "${ref.edition}" is not one of the code's editions (${entry.editions.join(', ')})` });
      // The seed's order is kept as written; newer guidance only appends.
      const rank = editionRank[ref.edition];
      if (rank < previousRank && !orderReported) {
        orderReported = true;
        problems.push({ file, path: `${at}.edition`, reason: `a "${ref.edition}" cause comes after a later edition's cause: the seed's causes come first, then what newer guidance adds` });
      }
      previousRank = Math.max(previousRank, rank);
    });
  }

  if (problems.length > 0 || escalation === undefined || checks === undefined || fixes === undefined) {
    throw knowledgeInvalid(problems);
  }

  const sortedCodes = deepFreeze([...codes.map((c) => c.entry)].sort((a, b) => compareIds(a.id, b.id)));
  const sortedCauses = deepFreeze([...causes.map((c) => c.entry)].sort((a, b) => compareIds(a.id, b.id)));
  const frozenChecks = deepFreeze([...checks.entries]);
  const frozenFixes = deepFreeze([...fixes.entries]);
  const frozenEscalation = deepFreeze(escalation);
  const byName = new Map<string, ErrorCodeEntry>();
  for (const code of sortedCodes) for (const name of [code.id, ...code.aliases]) byName.set(name.toLowerCase(), code);
  const causes2 = new Map(sortedCauses.map((c) => [c.id, c] as const));
  const checks2 = new Map(frozenChecks.map((c) => [c.id, c] as const));
  const fixes2 = new Map(frozenFixes.map((f) => [f.id, f] as const));
  const numbers = new Map<number, ErrorCodeEntry>();
  for (const code of sortedCodes) for (const n of code.numericCodes) numbers.set(n, code);

  const ordered = new Map<string, readonly Cause[]>();
  const editions = new Map<string, readonly Edition[]>();
  const byCause = new Map<string, ErrorCodeEntry[]>();
  for (const code of sortedCodes) {
    ordered.set(code.id, Object.freeze(code.causes.map((ref) => causes2.get(ref.cause)).filter((c): c is Cause => c !== undefined)));
    editions.set(code.id, Object.freeze(code.causes.map((ref) => ref.edition)));
    for (const ref of code.causes) {
      const list = byCause.get(ref.cause) ?? [];
      list.push(code);
      byCause.set(ref.cause, list);
    }
  }
  const byArea = new Map<Area, readonly ErrorCodeEntry[]>();
  for (const area of AreaSchema.options) {
    const inArea = sortedCodes.filter((c) => c.area === area);
    if (inArea.length > 0) byArea.set(area, Object.freeze(inArea));
  }

  const byWorkload = new Map<Workload, readonly ErrorCodeEntry[]>();
  for (const workload of WorkloadSchema.options) {
    const inWorkload = sortedCodes.filter((c) => c.workload === workload);
    if (inWorkload.length > 0) byWorkload.set(workload, Object.freeze(inWorkload));
  }

  const findCode = (idOrAlias: string): ErrorCodeEntry | undefined => byName.get(idOrAlias.trim().toLowerCase());
  const resolve = (code: ErrorCodeEntry | string): ErrorCodeEntry => (typeof code === 'string' ? requireCode(code) : code);
  const requireCode = (idOrAlias: string): ErrorCodeEntry => {
    const code = findCode(idOrAlias);
    if (code === undefined) throw new CodedError('knowledge_reference_missing', `Unknown error code "${idOrAlias}"`, { code: idOrAlias });
    return code;
  };

  return Object.freeze({
    codes: sortedCodes,
    causes: sortedCauses,
    checks: frozenChecks,
    fixes: frozenFixes,
    escalation: frozenEscalation,
    findCode,
    findCodeByNumber: (n: number) => numbers.get(n),
    cause: (id: string) => causes2.get(id),
    check: (id: string) => checks2.get(id),
    fix: (id: string) => fixes2.get(id),
    requireCode,
    requireCause: (id: string) => {
      const cause = causes2.get(id);
      if (cause === undefined) throw new CodedError('knowledge_reference_missing', `Unknown cause "${id}"`, { cause: id });
      return cause;
    },
    orderedCauses: (code: ErrorCodeEntry | string) => ordered.get(resolve(code).id) ?? [],
    causeEditions: (code: ErrorCodeEntry | string) => editions.get(resolve(code).id) ?? [],
    codesForCause: (causeId: string) => byCause.get(causeId) ?? [],
    codesByArea: () => byArea,
    codesByWorkload: () => byWorkload,
  });
}

/** One line per problem: `file: path: reason`. */
export function formatKnowledgeProblems(problems: readonly KnowledgeProblem[]): string {
  return problems.map((p) => `${p.file}: ${p.path}: ${p.reason}`).join('\n');
}

function knowledgeInvalid(problems: readonly KnowledgeProblem[]): CodedError {
  const list = problems.length > 0 ? problems : [{ file: 'knowledge/', path: '(root)', reason: 'incomplete knowledge folder' }];
  const noun = list.length === 1 ? 'problem' : 'problems';
  return new CodedError('knowledge_invalid', `The knowledge base is invalid (${list.length} ${noun}):\n${formatKnowledgeProblems(list)}`, { problems: list });
}

function parseJson(file: string, text: string, problems: KnowledgeProblem[]): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    problems.push({ file, path: jsonErrorLocation(text), reason: `invalid JSON: ${message}` });
    return { ok: false };
  }
}

/** Node reports an offset for some errors and a snippet for others; an operator wants a line and column. */
function jsonErrorLocation(text: string): string {
  const before = text.slice(0, jsonErrorOffset(text)).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

function classify(file: string): FileKind | undefined {
  const codeOrCause = /(?:^|\/)(codes|causes)\/([^/]+)\.json$/.exec(file);
  if (codeOrCause) return { kind: codeOrCause[1] === 'codes' ? 'code' : 'cause', name: codeOrCause[2] ?? '' };
  const single = /(?:^|\/)(checks|fixes|escalation)\.json$/.exec(file);
  if (single) return { kind: single[1] as 'checks' | 'fixes' | 'escalation' };
  return undefined;
}

function validate<T extends z.ZodType>(schema: T, value: unknown, file: string, problems: KnowledgeProblem[]): z.output<T> | undefined {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    problems.push({ file, path: formatPath(issue.path), reason: describeIssue(issue) });
  }
  return undefined;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) return `missing required field (expected ${issue.expected})`;
  if (issue.code === 'invalid_format' && issue.format === 'url') return 'not a valid URL';
  return issue.message;
}

export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

function checkUrl(file: string, at: string, url: string, problems: KnowledgeProblem[]): void {
  // Operators click these links: only https pages, never a scheme that runs something.
  if (!/^https:\/\/[^\s/]+\.[^\s/]+/.test(url)) problems.push({ file, path: at, reason: `"${url}" must be an https:// link` });
}

function uniqueIndex<T>(items: readonly { file: string; at?: string; id: string; value: T }[], what: string, problems: KnowledgeProblem[]): Map<string, T> {
  const index = new Map<string, T>();
  const firstFile = new Map<string, string>();
  for (const item of items) {
    if (index.has(item.id)) problems.push({ file: item.file, path: item.at ?? 'id', reason: `duplicate ${what} id "${item.id}" (also in ${firstFile.get(item.id) ?? '?'})` });
    else {
      index.set(item.id, item.value);
      firstFile.set(item.id, item.file);
    }
  }
  return index;
}

function reportDuplicates(values: readonly string[], file: string, field: string, problems: KnowledgeProblem[]): void {
  const seen = new Set<string>();
  values.forEach((value, i) => {
    if (seen.has(value)) problems.push({ file, path: `${field}[${i}]`, reason: `"${value}" is listed twice` });
    seen.add(value);
  });
}

function normalisePath(path: string): string {
  return path.replace(/\\/g, '/');
}

function compareIds(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
