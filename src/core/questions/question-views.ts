import type { VaultRef } from '../azure-port';
import type { Language } from '../knowledge/schema';
import { type CardButton, PayloadVersion, Verbs } from '../views/card-actions';
import type { NoticeView } from '../views/conversation-views';
import type { JobCode } from './job-code';
import { qt } from './question-text';
import type { AzureProblem, FailedJob, FailureGroup, ListResult, VaultProblem, VaultStatusResult } from './resource-questions';

/** The verb of a "Troubleshoot" button on a failed job. */
export const troubleshootJobVerb = 'questions.troubleshoot-job' as const;

/** How a channel shows a time (Teams lets the client localise it); UTC text by default. */
export type TimeFormatter = (time: Date) => string;

export const utcTime: TimeFormatter = (time) => `${time.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export interface ViewOptions {
  readonly formatTime?: TimeFormatter;
}

/** The card shows at most this many jobs; the rest are counted ("and N more"). */
export const MAX_LISTED_JOBS = 15;
const MAX_STATUS_GROUPS = 8;
const MAX_GROUP_VMS = 5;

export interface FailedJobRow {
  readonly vm: string;
  readonly vault: string;
  readonly time: string;
  readonly code: string;
  /** Azure's message, shown when the code was not recognised. */
  readonly message: string;
  readonly hasMessage: boolean;
  readonly actions: readonly CardButton[];
}

export interface FailedBackupsView {
  readonly title: string;
  readonly summary: string;
  readonly headers: { readonly vm: string; readonly vault: string; readonly time: string; readonly code: string };
  readonly rows: readonly FailedJobRow[];
  readonly hasRows: boolean;
  readonly more: string;
  readonly hasMore: boolean;
  readonly notes: readonly { readonly text: string }[];
  readonly hasNotes: boolean;
  readonly actions: readonly CardButton[];
}

export interface VaultStatusGroupRow {
  readonly text: string;
  readonly actions: readonly CardButton[];
}

export interface VaultStatusView {
  readonly title: string;
  readonly facts: readonly { readonly title: string; readonly value: string }[];
  readonly groupsTitle: string;
  readonly groups: readonly VaultStatusGroupRow[];
  readonly hasGroups: boolean;
  readonly noFailures: string;
  readonly more: string;
  readonly hasMore: boolean;
  readonly actions: readonly CardButton[];
}

/** The payload of a "Troubleshoot" button: which vault and job, and for an ambiguous error which code. Nothing else. */
export interface TroubleshootJobPayload {
  readonly v: typeof PayloadVersion;
  readonly vault: string;
  readonly rg: string;
  readonly sub: string;
  readonly jobId: string;
  readonly codeId?: string;
  readonly lang: Language;
}

export function troubleshootJobButton(failure: FailedJob, title: string, lang: Language, codeId?: string): CardButton {
  const vault = failure.job.vault;
  const data: TroubleshootJobPayload = { v: PayloadVersion, vault: vault.name, rg: vault.resourceGroup, sub: vault.subscriptionId, jobId: failure.job.id, lang, ...(codeId ? { codeId } : {}) };
  return { title, verb: troubleshootJobVerb, data: { ...data } };
}

export function codeLabel(code: JobCode, lang: Language): string {
  switch (code.kind) {
    case 'identified':
      return code.codeId;
    case 'ambiguous':
      return code.codeIds.slice(1).reduce((a, b) => qt('or', lang, { a, b }), code.codeIds[0] ?? '');
    case 'unidentified':
      return qt('unidentified', lang);
  }
}

function row(failure: FailedJob, lang: Language, formatTime: TimeFormatter, buttons: readonly CardButton[]): FailedJobRow {
  const unidentified = failure.code.kind === 'unidentified';
  return {
    vm: failure.job.vmName,
    vault: failure.job.vault.name,
    time: failure.at ? formatTime(failure.at) : '',
    code: codeLabel(failure.code, lang),
    message: unidentified ? (failure.message ?? qt('noMessage', lang)) : '',
    hasMessage: unidentified,
    actions: buttons,
  };
}

function listTitle(result: Extract<ListResult, { kind: 'list' }>, lang: Language): string {
  const w = result.window;
  const title =
    w.kind === 'today'
      ? qt('listTitleToday', lang)
      : w.kind === 'yesterday'
        ? qt('listTitleYesterday', lang)
        : w.hours % 24 === 0 && w.hours > 24
          ? qt('listTitleDays', lang, { days: w.hours / 24 })
          : qt('listTitleHours', lang, { hours: w.hours });
  // "Today" in whose day: without the asker's zone (Slack sends none) it is UTC's, and the title says so.
  const day = (w.kind === 'today' || w.kind === 'yesterday') && result.zone === 'utc' ? `${title} (UTC)` : title;
  return result.vaultName !== undefined ? qt('listInVault', lang, { title: day, vault: result.vaultName }) : day;
}

/** "Failed backups today": one row per job (VM, vault, time, code, Troubleshoot), newest first. */
export function buildFailedBackupsView(result: Extract<ListResult, { kind: 'list' }>, lang: Language, options: ViewOptions = {}): FailedBackupsView {
  const formatTime = options.formatTime ?? utcTime;
  const shown = result.failures.slice(0, MAX_LISTED_JOBS);
  const hidden = result.failures.length - shown.length;
  const rows = shown.map((failure) => row(failure, lang, formatTime, failure.code.kind === 'unidentified' ? [] : [troubleshootJobButton(failure, qt('troubleshoot', lang), lang)]));
  return {
    title: listTitle(result, lang),
    summary: result.failures.length > 0 ? qt('listSummary', lang, { count: result.failures.length, vaults: result.vaultsSearched }) : qt('listEmpty', lang, { vaults: result.vaultsSearched }),
    headers: headers(lang),
    rows,
    hasRows: rows.length > 0,
    more: hidden > 0 ? qt('more', lang, { n: hidden }) : '',
    hasMore: hidden > 0,
    notes: result.problems.map((p) => ({ text: problemNote(p, lang) })),
    hasNotes: result.problems.length > 0,
    actions: [],
  };
}

/** The latest failure of a VM whose error fits several codes: one button per code. */
export function buildAmbiguousFailureView(failure: FailedJob, lang: Language, options: ViewOptions = {}): FailedBackupsView {
  const codeIds = failure.code.kind === 'ambiguous' ? failure.code.codeIds : [];
  const buttons = codeIds.map((codeId) => troubleshootJobButton(failure, qt('troubleshootAs', lang, { code: codeId }), lang, codeId));
  return {
    title: qt('latestFailureTitle', lang, { vm: failure.job.vmName }),
    summary: qt('ambiguousText', lang),
    headers: headers(lang),
    rows: [row(failure, lang, options.formatTime ?? utcTime, buttons)],
    hasRows: true,
    more: '',
    hasMore: false,
    notes: [],
    hasNotes: false,
    actions: [],
  };
}

function headers(lang: Language): FailedBackupsView['headers'] {
  return { vm: qt('vm', lang), vault: qt('vault', lang), time: qt('time', lang), code: qt('code', lang) };
}

/** "Status of vault X": what it protects and what failed in the last 24 hours, by code. */
export function buildVaultStatusView(result: Extract<VaultStatusResult, { kind: 'status' }>, lang: Language): VaultStatusView {
  const failedLast = result.protectedVms.filter((item) => item.lastBackupStatus?.toLowerCase() === 'failed').length;
  const shown = result.groups.slice(0, MAX_STATUS_GROUPS);
  const hidden = result.groups.length - shown.length;
  return {
    title: qt('statusTitle', lang, { vault: result.vault.name }),
    facts: [
      { title: qt('subscription', lang), value: result.vault.subscriptionId },
      { title: qt('resourceGroup', lang), value: result.vault.resourceGroup },
      { title: qt('protectedVms', lang), value: String(result.protectedVms.length) },
      { title: qt('needsAttention', lang), value: String(failedLast) },
      { title: qt('failed24h', lang), value: String(result.failures.length) },
    ],
    groupsTitle: qt('groupsTitle', lang),
    groups: shown.map((group) => groupRow(group, lang)),
    hasGroups: shown.length > 0,
    noFailures: result.groups.length === 0 ? qt('noFailures24h', lang) : '',
    more: hidden > 0 ? qt('more', lang, { n: hidden }) : '',
    hasMore: hidden > 0,
    actions: [],
  };
}

function groupRow(group: FailureGroup, lang: Language): VaultStatusGroupRow {
  const vms = group.vms.slice(0, MAX_GROUP_VMS).join(', ') + (group.vms.length > MAX_GROUP_VMS ? ` ${qt('more', lang, { n: group.vms.length - MAX_GROUP_VMS })}` : '');
  const latest = group.latest;
  const actions = latest.code.kind === 'unidentified' ? [] : [troubleshootJobButton(latest, qt('troubleshootVm', lang, { vm: latest.job.vmName }), lang)];
  return { text: qt('groupLine', lang, { count: group.count, code: codeLabel(latest.code, lang), vms }), actions };
}

export function helpButton(lang: Language): CardButton {
  return { title: qt('help', lang), verb: Verbs.help, data: { v: PayloadVersion, lang } };
}

/** The answer when Azure could not be asked: which role on which scope, or that it was too slow. */
export function buildProblemView(problem: AzureProblem, lang: Language, options: { vault?: VaultRef; budgetMs?: number } = {}): NoticeView {
  const where = options.vault ? ` ${qt('inVault', lang, { vault: options.vault.name })}` : '';
  const notice = (title: string, text: string): NoticeView => ({ title, text: text + where, actions: [helpButton(lang)] });
  switch (problem.kind) {
    case 'timeout':
      return notice(qt('timeoutTitle', lang), qt('timeoutText', lang, { seconds: Math.round((options.budgetMs ?? 8000) / 1000) }));
    case 'forbidden':
      if (problem.authentication) return notice(qt('signInTitle', lang), qt('signInText', lang, { message: problem.message }));
      return problem.requiredRole && problem.scope
        ? { title: qt('forbiddenTitle', lang), text: qt('forbiddenRole', lang, { role: problem.requiredRole, scope: problem.scope }), actions: [helpButton(lang)] }
        : notice(qt('forbiddenTitle', lang), qt('forbiddenOther', lang, { message: problem.message }));
    case 'throttled':
      return notice(qt('throttledTitle', lang), qt('throttledText', lang));
    case 'unavailable':
      return notice(qt('unavailableTitle', lang), qt('unavailableText', lang, { message: problem.message }));
    case 'failed':
      return notice(qt('failedTitle', lang), qt('failedText', lang, { message: problem.message }));
  }
}

/** One line about a vault that could not be read, under an otherwise useful answer. */
export function problemNote(p: VaultProblem, lang: Language): string {
  const reason =
    p.problem.kind === 'forbidden' && p.problem.requiredRole && p.problem.scope
      ? qt('forbiddenShort', lang, { role: p.problem.requiredRole, scope: p.problem.scope })
      : p.problem.kind === 'timeout'
        ? qt('timeoutShort', lang)
        : p.problem.message;
  return qt('vaultNotRead', lang, { vault: p.vault?.name ?? '?', reason });
}

export function buildUnidentifiedFailureView(failure: FailedJob, lang: Language, options: ViewOptions = {}): NoticeView {
  const formatTime = options.formatTime ?? utcTime;
  return {
    title: qt('unidentifiedTitle', lang, { vm: failure.job.vmName }),
    text: qt('unidentifiedText', lang, {
      vault: failure.job.vault.name,
      job: failure.job.id,
      time: failure.at ? formatTime(failure.at) : '',
      message: failure.message ?? qt('noMessage', lang),
    }),
    actions: [helpButton(lang)],
  };
}

/** The protected item's lastBackupStatus as a reader of the language says it (an unknown word as Azure wrote it). */
function backupStatusWord(status: string | undefined, lang: Language): string {
  if (status === undefined) return '?';
  if (lang === 'en') return status;
  const polish: Readonly<Record<string, string>> = {
    completed: 'zakończona pomyślnie',
    completedwithwarnings: 'zakończona z ostrzeżeniami',
    failed: 'nieudana',
    inprogress: 'w toku',
    cancelled: 'anulowana',
    healthy: 'w dobrej kondycji',
  };
  return polish[status.toLowerCase()] ?? status;
}

/** One name, vaults in several subscriptions: a line for each, so none is taken for the other. */
export function buildSeveralVaultsView(result: { vaultName: string; statuses: readonly VaultStatusResult[] }, lang: Language): NoticeView {
  const lines = result.statuses.flatMap((status) => {
    if (status.kind !== 'status' && status.kind !== 'azure-problem') return [];
    const vault = status.vault;
    if (!vault) return [];
    const where = { vault: vault.name, subscription: vault.subscriptionId, rg: vault.resourceGroup };
    return status.kind === 'status' ? [qt('severalVaultsLine', lang, { ...where, vms: status.protectedVms.length, failed: status.failures.length })] : [qt('severalVaultsUnread', lang, where)];
  });
  return { title: qt('severalVaultsTitle', lang, { count: result.statuses.length, vault: result.vaultName }), text: lines.join('\n'), actions: [helpButton(lang)] };
}

/** The VM backed up since its failure: the dates, and Troubleshoot for the failure should it come back. */
export function buildRecoveredView(result: { failure: FailedJob; lastBackupTime: Date; lastBackupStatus: string }, lang: Language, options: ViewOptions = {}): NoticeView {
  const formatTime = options.formatTime ?? utcTime;
  const { failure } = result;
  const text = qt('recoveredText', lang, {
    time: formatTime(result.lastBackupTime),
    status: backupStatusWord(result.lastBackupStatus, lang),
    failedAt: failure.at ? formatTime(failure.at) : '?',
    code: codeLabel(failure.code, lang),
  });
  const troubleshoot = failure.code.kind === 'unidentified' ? [] : [troubleshootJobButton(failure, qt('troubleshoot', lang), lang)];
  return { title: qt('recoveredTitle', lang, { vm: failure.job.vmName }), text, actions: [...troubleshoot, helpButton(lang)] };
}

export function buildNoFailureView(result: { vmName: string; lookbackDays: number; protectedIn: readonly { vault: VaultRef; lastBackupStatus?: string; lastBackupTime?: Date }[] }, lang: Language, options: ViewOptions = {}): NoticeView {
  const formatTime = options.formatTime ?? utcTime;
  const lines = result.protectedIn.map((item) =>
    item.lastBackupTime
      ? qt('noFailureText', lang, { vault: item.vault.name, status: backupStatusWord(item.lastBackupStatus, lang), time: formatTime(item.lastBackupTime) })
      : qt('noFailureNever', lang, { vault: item.vault.name }),
  );
  return { title: qt('noFailureTitle', lang, { vm: result.vmName, days: result.lookbackDays }), text: lines.join(' '), actions: [helpButton(lang)] };
}

export function buildVmNotFoundView(result: { vmName: string; vaultsSearched: readonly string[]; suggestions: readonly string[] }, lookbackDays: number, lang: Language): NoticeView {
  const text = qt('vmNotFoundText', lang, { vm: result.vmName, vaults: vaultList(result.vaultsSearched), days: lookbackDays });
  const hint = result.suggestions.length > 0 ? ` ${qt('didYouMean', lang, { names: result.suggestions.join(', ') })}` : '';
  return { title: qt('vmNotFoundTitle', lang, { vm: result.vmName }), text: text + hint, actions: [helpButton(lang)] };
}

export function buildVaultNotFoundView(result: { vaultName: string; known: readonly string[]; suggestions: readonly string[] }, lang: Language): NoticeView {
  const hint = result.suggestions.length > 0 ? ` ${qt('didYouMean', lang, { names: result.suggestions.join(', ') })}` : '';
  return { title: qt('vaultNotFoundTitle', lang, { vault: result.vaultName }), text: qt('vaultNotFoundText', lang, { vaults: vaultList(result.known) }) + hint, actions: [helpButton(lang)] };
}

export function buildNoVaultsView(lang: Language): NoticeView {
  return { title: qt('noVaultsTitle', lang), text: qt('noVaultsText', lang), actions: [helpButton(lang)] };
}

export function buildNoAzureView(lang: Language): NoticeView {
  return { title: qt('noAzureTitle', lang), text: qt('noAzureText', lang), actions: [helpButton(lang)] };
}

export function buildJobGoneView(lang: Language): NoticeView {
  return { title: qt('jobGoneTitle', lang), text: qt('jobGoneText', lang), actions: [helpButton(lang)] };
}

function vaultList(names: readonly string[]): string {
  const unique = [...new Set(names)];
  return unique.length > 6 ? `${unique.slice(0, 6).join(', ')} …` : unique.join(', ');
}
