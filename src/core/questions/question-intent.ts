import { boundedDamerauLevenshtein } from '../identify/edit-distance';
import { fold } from '../identify/text-fold';
import type { Language } from '../knowledge/schema';
import { trimTrailing } from '../trim-trailing';

/**
 * Questions about real resources, in English or Polish: which one is asked, about what.
 * Decided from cue words (typos of the longer ones tolerated) plus a resource name, so a
 * pasted error message ("Backup failed with an internal error") is never taken for a question.
 */

/** The time span of "failed backups today" and its variants. */
export type QuestionWindow =
  | { readonly kind: 'today' }
  | { readonly kind: 'yesterday' }
  | { readonly kind: 'last-hours'; readonly hours: number };

export type ResourceQuestion =
  | { readonly kind: 'explain-failure'; readonly vmName: string; readonly language?: Language }
  | { readonly kind: 'list-failures'; readonly window: QuestionWindow; readonly vaultName?: string; readonly language?: Language }
  | { readonly kind: 'vault-status'; readonly vaultName: string; readonly language?: Language };

/** Longer texts are pastes (error messages, JSON), which identification handles. */
export const MAX_QUESTION_CHARS = 200;
/** Azure job lists accept windows of up to 30 days. */
export const MAX_WINDOW_HOURS = 30 * 24;
export const DEFAULT_WINDOW: QuestionWindow = { kind: 'last-hours', hours: 24 };

type Cue = 'why' | 'what' | 'happened' | 'backup' | 'backups' | 'fail' | 'failures' | 'status' | 'vault' | 'vm' | 'latest' | 'list' | 'today' | 'yesterday' | 'hour' | 'day' | 'last' | 'stop';

interface CueWord {
  readonly cue: Cue;
  /** Polish words decide the answer's language. */
  readonly pl?: true;
  /** Words this short are matched exactly (a typo of "job" is just another word). */
  readonly exact?: true;
}

const cueList: ReadonlyArray<readonly [string, CueWord]> = [
  // English
  ...words('why reason reasons explain cause', { cue: 'why' }),
  ...words('what', { cue: 'what', exact: true }),
  ...words('happened happen wrong', { cue: 'happened' }),
  ...words('backup job', { cue: 'backup' }),
  ...words('backups jobs', { cue: 'backups' }),
  ...words('fail failed failing fails failure broke broken error errors', { cue: 'fail' }),
  ...words('failures', { cue: 'failures' }),
  ...words('status health state overview summary', { cue: 'status' }),
  ...words('vault vaults rsv', { cue: 'vault' }),
  ...words('vm machine server', { cue: 'vm' }),
  ...words('latest last recent most previous', { cue: 'latest' }),
  ...words('list show which', { cue: 'list' }),
  ...words('today tonight', { cue: 'today' }),
  ...words('yesterday', { cue: 'yesterday' }),
  ...words('hour hours hrs hr h', { cue: 'hour' }),
  ...words('day days', { cue: 'day' }),
  ...words('past', { cue: 'last' }),
  ...words('the a an of for to did does do is was were in on at with my our me please s its it and all any', { cue: 'stop', exact: true }),
  ...words('from that this these those when where by as be been has have had not no every each after before then than i you we they out up', { cue: 'stop', exact: true }),
  // Polish (folded: no diacritics)
  ...words('dlaczego czemu przyczyna powod powodem wyjasnij', { cue: 'why', pl: true }),
  ...words('co', { cue: 'what', pl: true, exact: true }),
  ...words('stalo', { cue: 'happened', pl: true }),
  ...words('kopia kopii zapasowa zapasowej zapasowe zapasowych backupu zadanie', { cue: 'backup', pl: true }),
  ...words('kopie backupy backupow zadania zadan', { cue: 'backups', pl: true }),
  ...words('nie powiodla powiodlo powiodly udala udalo padl padla padlo padly nieudana nieudany nieudanej blad bledem bledu', { cue: 'fail', pl: true }),
  ...words('nieudane nieudanych bledy awarie niepowodzenia', { cue: 'failures', pl: true }),
  ...words('status stan kondycja podsumowanie', { cue: 'status', pl: true }),
  ...words('magazyn magazynu magazynie skarbca skarbiec', { cue: 'vault', pl: true }),
  ...words('maszyny maszyna maszynie wirtualnej wirtualna serwera serwer', { cue: 'vm', pl: true }),
  ...words('ostatni ostatnia ostatnie ostatniej ostatniego ostatnich', { cue: 'latest', pl: true }),
  ...words('pokaz wypisz lista ktore jakie', { cue: 'list', pl: true }),
  ...words('dzisiaj dzis dzisiejsze dzisiejszych', { cue: 'today', pl: true }),
  ...words('wczoraj wczorajsze wczorajszych', { cue: 'yesterday', pl: true }),
  ...words('godzin godziny godzine godz', { cue: 'hour', pl: true }),
  ...words('dni dzien doby doba', { cue: 'day', pl: true }),
  ...words('sie z w we na dla o od mojej moje naszej jest byl byla bylo', { cue: 'stop', pl: true, exact: true }),
];

const exactCues = new Map<string, CueWord>();
const fuzzyCues: Array<readonly [string, CueWord]> = [];
for (const [word, cue] of cueList) {
  if (!exactCues.has(word)) exactCues.set(word, cue);
  if (!cue.exact && word.length >= 5) fuzzyCues.push([word, cue]);
}

/**
 * Words naming the kind of resource: the next word is its name even without digits or hyphens
 * ("the backup of vm sqlprod", "vault backups"). Other names must look like Azure names.
 */
const typeMarkers = new Set(['vm', 'machine', 'server', 'vault', 'magazynu', 'magazyn', 'maszyny', 'maszyna', 'serwera']);

interface Word {
  /** Folded (lower case, no diacritics). */
  readonly folded: string;
  /** As written, for names. */
  readonly original: string;
  readonly cue?: CueWord;
  readonly number?: number;
}

/** The question asked, or undefined when the text is not a question about resources. */
export function parseResourceQuestion(text: string): ResourceQuestion | undefined {
  const trimmed = text.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_QUESTION_CHARS || /[{}<>]/.test(trimmed)) return undefined;
  const list = splitWords(trimmed);
  const has = (cue: Cue): boolean => list.some((w) => w.cue?.cue === cue);
  // Words both languages use ("status", "backup") are registered as English first, so any Polish cue is telling.
  const polish = list.some((w) => w.cue?.pl === true && w.cue.cue !== 'stop') || /[ąćęłńóśźż]/i.test(trimmed);
  const language: { language?: Language } = polish ? { language: 'pl' } : {};

  const nameWord = resourceName(list);
  const name = nameWord === undefined ? undefined : stripTrailing(nameWord.original);
  const whyCue = has('why') || (has('what') && has('happened'));
  const failCue = has('fail') || has('failures');
  const window = parseWindow(list);
  const listCue =
    (failCue && has('backups')) ||
    has('failures') ||
    ((has('what') || has('list')) && has('fail') && window !== undefined) ||
    (has('list') && has('fail') && (has('backup') || has('backups')));

  if (name !== undefined && has('vault')) {
    // "failed backups in vault X today" lists one vault; "status of vault X" (or just "vault X") summarises it.
    if (listCue && !whyCue) return { kind: 'list-failures', window: window ?? DEFAULT_WINDOW, vaultName: name, ...language };
    const onlyVault = list.every((w) => w === nameWord || w.cue?.cue === 'vault' || w.cue?.cue === 'stop');
    if (has('status') || onlyVault) return { kind: 'vault-status', vaultName: name, ...language };
    return undefined;
  }
  if (name !== undefined && has('status') && /^rsv[-_]/i.test(name)) return { kind: 'vault-status', vaultName: name, ...language };
  if (name !== undefined) {
    const asksWhy = whyCue && (has('backup') || has('backups') || failCue);
    const asksLatest = has('latest') && failCue;
    return asksWhy || asksLatest ? { kind: 'explain-failure', vmName: name, ...language } : undefined;
  }
  if (listCue) return { kind: 'list-failures', window: window ?? DEFAULT_WINDOW, ...language };
  return undefined;
}

function splitWords(text: string): Word[] {
  const folded = fold(text);
  const out: Word[] = [];
  // fold keeps offsets, so each folded word maps back to the text as written.
  for (const m of folded.matchAll(/[a-z0-9](?:[a-z0-9._-]*[a-z0-9_])?/g)) {
    const original = text.slice(m.index, m.index + m[0].length);
    out.push(toWord(m[0], original));
  }
  return out;
}

function toWord(folded: string, original: string): Word {
  if (/^\d+$/.test(folded)) return { folded, original, number: Number(folded) };
  // "24h", "48hrs", "7d", "12godz" are a number and a unit in one.
  const unit = /^(\d+)(h|hr|hrs|hours?|d|days?|godz|dni)$/.exec(folded);
  if (unit) return { folded, original, number: Number(unit[1]), cue: { cue: /^(d|day|days|dni)$/.test(unit[2] ?? '') ? 'day' : 'hour' } };
  const exact = exactCues.get(folded);
  if (exact) return { folded, original, cue: exact };
  // Names of resources carry digits or hyphens; only plain words can be a misspelt cue.
  if (/^[a-z]{5,}$/.test(folded)) {
    const max = folded.length >= 8 ? 2 : 1;
    let best: { cue: CueWord; distance: number } | undefined;
    for (const [word, cue] of fuzzyCues) {
      const distance = boundedDamerauLevenshtein(folded, word, max);
      if (distance <= max && (!best || distance < best.distance)) best = { cue, distance };
    }
    if (best) return { folded, original, cue: best.cue };
  }
  return { folded, original };
}

/** Azure names: letters, digits, '-', '_', '.'; at most 80 characters (VMs 64, vaults 50). */
const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;

function isNameLike(word: Word): boolean {
  return word.cue === undefined && word.number === undefined && namePattern.test(word.original) && /[a-z]/i.test(word.original);
}

/**
 * The resource the question is about: the first word shaped like an Azure name (digits, '-',
 * '_' or '.'), else a plain word right after a resource kind ("vm sqlprod").
 */
function resourceName(list: readonly Word[]): Word | undefined {
  const shaped = list.find((w) => isNameLike(w) && /[0-9._-]/.test(w.original));
  if (shaped) return shaped;
  for (let i = 0; i < list.length - 1; i += 1) {
    const next = list[i + 1] as Word;
    if (typeMarkers.has((list[i] as Word).folded) && isNameLike(next) && next.folded.length >= 2) return next;
  }
  return undefined;
}

function stripTrailing(name: string): string {
  return trimTrailing(name, '._-');
}

function parseWindow(list: readonly Word[]): QuestionWindow | undefined {
  if (list.some((w) => w.cue?.cue === 'today')) return { kind: 'today' };
  if (list.some((w) => w.cue?.cue === 'yesterday')) return { kind: 'yesterday' };
  for (let i = 0; i < list.length; i += 1) {
    const word = list[i] as Word;
    if (word.number === undefined) continue;
    // "24h" carries its unit; "24 hours", "7 days", "24 godziny" have it in the next word.
    const unit = word.cue?.cue ?? list[i + 1]?.cue?.cue;
    if (unit === 'hour' || unit === 'day') {
      const hours = unit === 'day' ? word.number * 24 : word.number;
      if (hours > 0) return { kind: 'last-hours', hours: Math.min(hours, MAX_WINDOW_HOURS) };
    }
  }
  // "last day", "past day", "ostatnia doba"
  if (list.some((w) => w.cue?.cue === 'day') && list.some((w) => w.cue?.cue === 'latest' || w.cue?.cue === 'last')) return { kind: 'last-hours', hours: 24 };
  return undefined;
}

function words(text: string, cue: CueWord): Array<readonly [string, CueWord]> {
  return text.split(/\s+/).map((w) => [w, cue] as const);
}
