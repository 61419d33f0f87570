import type { ResourceLock, RestorePointCollection } from '../azure-port';
import { sourceVmOf } from '../restore-point-ownership';
import type { CardButton } from '../views/card-actions';
import type { Language, LocalizedText } from '../knowledge/schema';
import type { Actor } from './actor';
import type { AuditEvent } from './audit';
import type { FixDefinition } from './fix-catalogue';
import type { FixRequest, FixRequestState, PlannedResources } from './fix-request';
import type { FixTarget } from './fix-target';
import { decideApproval, type PolicyState } from './policy';
import type { FixPlan } from './remediation-service';

/**
 * View models of the fix cards (cards/fix-request.json, cards/fix-audit.json). Channel-free:
 * Teams renders them as Adaptive Cards; buttons carry only opaque ids.
 */
export const FixVerbs = {
  plan: 'fix.plan',
  request: 'fix.request',
  approve: 'fix.approve',
  reject: 'fix.reject',
  view: 'fix.view',
} as const;

export interface FixCardView {
  readonly heading: string;
  readonly status: string;
  readonly statusColor: 'default' | 'good' | 'warning' | 'attention' | 'accent';
  readonly facts: readonly { title: string; value: string }[];
  readonly summary: string;
  readonly hasOperations: boolean;
  readonly operations: readonly { number: number; text: string; lines: readonly string[] }[];
  readonly changes: string;
  readonly undo: string;
  readonly labels: { readonly operations: string; readonly changes: string; readonly undo: string };
  readonly hasProblems: boolean;
  readonly problems: readonly string[];
  readonly hasOutput: boolean;
  readonly output: string;
  readonly hasNotice: boolean;
  readonly notice: string;
  readonly actions: readonly CardButton[];
}

const t = (text: LocalizedText, lang: Language): string => text[lang];

const L = {
  operations: { en: 'Exact Azure operations', pl: 'Dokładne operacje w Azure' },
  changes: { en: 'What it changes', pl: 'Co zmienia' },
  undo: { en: 'How to undo it', pl: 'Jak to cofnąć' },
  target: { en: 'Target', pl: 'Cel' },
  risk: { en: 'Risk', pl: 'Ryzyko' },
  requestedBy: { en: 'Requested by', pl: 'Zlecił(a)' },
  decidedBy: { en: 'Decided by', pl: 'Decyzja' },
  expires: { en: 'Approval expires', pl: 'Zatwierdzenie wygasa' },
  approval: { en: 'Approval', pl: 'Zatwierdzenie' },
  request: { en: 'Request this fix', pl: 'Zleć tę poprawkę' },
  approve: { en: 'Approve', pl: 'Zatwierdź' },
  reject: { en: 'Reject', pl: 'Odrzuć' },
  low: { en: 'low', pl: 'niskie' },
  high: { en: 'high', pl: 'wysokie' },
  secondPerson: { en: 'a second person must approve', pl: 'musi zatwierdzić druga osoba' },
  anyApprover: { en: 'any approver', pl: 'dowolny zatwierdzający' },
} satisfies Record<string, LocalizedText>;

function targetLine(target: FixTarget): string {
  return `${target.vm.name} · ${target.vm.resourceGroup} · ${target.vm.subscriptionId}${target.vault ? ` · vault ${target.vault.name}` : ''}`;
}

/** One line per collection the fix would delete: name, group, points, and whose it is (or that only its name matched). */
function collectionLine(c: RestorePointCollection, lang: Language): string {
  const points = lang === 'pl' ? `punktów przywracania: ${c.restorePointCount}` : `${c.restorePointCount} restore point${c.restorePointCount === 1 ? '' : 's'}`;
  const source = sourceVmOf(c, { subscriptionId: c.subscriptionId, resourceGroup: '?', name: '?' });
  const owner = c.matchedBy === 'name-only' || !c.sourceVmId
    ? lang === 'pl' ? 'dopasowana tylko po nazwie (brak zapisanej maszyny źródłowej)' : 'matched by name only (no source VM recorded)'
    : `${lang === 'pl' ? 'maszyna źródłowa' : 'source VM'} ${source ? `${source.resourceGroup}/${source.name}` : c.sourceVmId}`;
  return `${c.name} · ${c.resourceGroup} · ${points} · ${owner}`;
}

function operationsOf(fix: FixDefinition, target: FixTarget, lang: Language, found: PlannedResources = {}): FixCardView['operations'] {
  const collections = found.collections;
  const groups = collections && collections.length > 0 ? [...new Set(collections.map((c) => c.resourceGroup))].join(', ') : undefined;
  const lockNames = found.locks && found.locks.length > 0 ? found.locks.map((l) => l.name).join(', ') : undefined;
  // The names the plan read in Azure, in place of the catalogue's placeholders: what the approver allows is named.
  const named = (call: string): string => {
    let line = call.replace(/<vm>/g, target.vm.name).replace(/<rg>/g, target.vm.resourceGroup);
    if (target.vault) line = line.replace(/<vault>/g, target.vault.name).replace(/<vaultResourceGroup>/g, target.vault.resourceGroup);
    if (groups) line = line.replace(/<restorePointResourceGroup>/g, groups);
    if (lockNames) line = line.replace(/<lockName>/g, lockNames);
    if (collections && collections.length > 0) line = line.replaceAll(`'AzureBackup_${target.vm.name}_<n>'`, collections.map((c) => `'${c.name}'`).join(', '));
    return line;
  };
  return fix.operations.map((op, i) => {
    const lines = [named(op.call)];
    if (op.kind === 'delete-restore-point-collection' && collections) lines.push(...collections.map((c) => collectionLine(c, lang)));
    if (op.kind === 'delete-locks' && found.locks) lines.push(...locksNow(found.locks, lang));
    if (op.kind === 'run-command' && (!target.osType || target.osType === op.os)) lines.push(...op.script);
    if (op.kind === 'delete-extension') lines.push(target.osType ? op.extension[target.osType] : `${op.extension.Windows} | ${op.extension.Linux}`);
    return { number: i + 1, text: t(op.description, lang), lines };
  });
}

/** The locks as the plan found them (the run reads them again and lifts those it finds). */
function locksNow(locks: readonly ResourceLock[], lang: Language): string[] {
  if (locks.length === 0) return [lang === 'pl' ? 'teraz brak blokad' : 'no lock there now'];
  return locks.map((l) => `${l.name} · ${l.level}${l.notes ? ` · ${l.notes}` : ''}`);
}

function planned(fix: FixDefinition, target: FixTarget, lang: Language, found?: PlannedResources): Pick<FixCardView, 'summary' | 'hasOperations' | 'operations' | 'changes' | 'undo' | 'labels'> {
  return {
    summary: t(fix.summary, lang),
    hasOperations: true,
    operations: operationsOf(fix, target, lang, found),
    changes: t(fix.changes, lang),
    undo: t(fix.undo, lang),
    labels: { operations: t(L.operations, lang), changes: t(L.changes, lang), undo: t(L.undo, lang) },
  };
}

export function buildFixPlanView(plan: FixPlan, sessionId: string, lang: Language): FixCardView {
  const { fix, target } = plan;
  const problems = plan.preconditionFailures.map((f) => t(f.message, lang));
  return {
    heading: `🔧 ${t(fix.title, lang)}`,
    status: lang === 'pl' ? 'Plan poprawki: nic jeszcze nie zostało zmienione.' : 'Fix plan: nothing has been changed yet.',
    statusColor: 'accent',
    facts: [
      { title: t(L.target, lang), value: targetLine(target) },
      { title: t(L.risk, lang), value: t(L[fix.risk], lang) },
      { title: t(L.approval, lang), value: `${plan.needsSecondPerson ? t(L.secondPerson, lang) : t(L.anyApprover, lang)} · ${plan.expiresInMinutes} min` },
    ],
    ...planned(fix, target, lang, { ...(plan.collections ? { collections: plan.collections } : {}), ...(plan.locks ? { locks: plan.locks } : {}) }),
    hasProblems: problems.length > 0,
    problems,
    hasOutput: false,
    output: '',
    hasNotice: false,
    notice: '',
    actions: problems.length > 0 ? [] : [{ title: t(L.request, lang), verb: FixVerbs.request, data: { v: 1, sessionId, fixId: fix.id }, style: 'positive' }],
  };
}

const statusText: Readonly<Record<FixRequestState, LocalizedText>> = {
  requested: { en: '⏳ Awaiting approval', pl: '⏳ Oczekuje na zatwierdzenie' },
  approved: { en: '✅ Approved: starting…', pl: '✅ Zatwierdzono: uruchamianie…' },
  rejected: { en: '⛔ Rejected', pl: '⛔ Odrzucono' },
  expired: { en: '⌛ Expired without approval: request the fix again if it is still needed.', pl: '⌛ Wygasło bez zatwierdzenia: w razie potrzeby zleć poprawkę ponownie.' },
  executing: { en: '⚙️ Running…', pl: '⚙️ W toku…' },
  succeeded: { en: '✅ Fix applied: verifying with a backup…', pl: '✅ Poprawka wykonana: weryfikacja kopią zapasową…' },
  failed: { en: '❌ The fix failed', pl: '❌ Poprawka nie powiodła się' },
  verifying: { en: '🔄 Verifying: backup running…', pl: '🔄 Weryfikacja: trwa kopia zapasowa…' },
  'verified-fixed': { en: '🎉 Fixed: the backup succeeded.', pl: '🎉 Naprawione: kopia zapasowa się powiodła.' },
  'still-failing': { en: '⚠️ Still failing', pl: '⚠️ Nadal nie działa' },
  unverified: { en: '⚠️ Could not verify', pl: '⚠️ Nie udało się zweryfikować' },
};

const interrupted: LocalizedText = { en: '⚠️ Interrupted by a restart: not run again', pl: '⚠️ Przerwane przez ponowne uruchomienie: nie uruchomiono ponownie' };
const abandoned: LocalizedText = { en: '⛔ Not run', pl: '⛔ Nie uruchomiono' };

const colorOf: Readonly<Record<FixRequestState, FixCardView['statusColor']>> = {
  requested: 'warning',
  approved: 'accent',
  rejected: 'attention',
  expired: 'attention',
  executing: 'accent',
  succeeded: 'accent',
  failed: 'attention',
  verifying: 'accent',
  'verified-fixed': 'good',
  'still-failing': 'attention',
  unverified: 'warning',
};

/** Requests stored before `unverified` existed ended `still-failing` with one of these results. */
const unverifiedResults = new Set(['timed-out', 'error', 'interrupted']);

function isUnverified(request: FixRequest): boolean {
  return request.state === 'unverified' || (request.state === 'still-failing' && unverifiedResults.has(request.verification?.result ?? ''));
}

/** "Could not verify: <reason>; the fix itself succeeded; retry the backup or check the job." */
function unverifiedStatus(request: FixRequest, lang: Language): string {
  const v = request.verification;
  const job = v?.jobId;
  const reason: LocalizedText =
    v?.result === 'interrupted'
      ? { en: 'the bot restarted before the verification backup was recorded', pl: 'bot został ponownie uruchomiony, zanim zapisano weryfikacyjną kopię zapasową' }
      : v?.result === 'timed-out'
        ? { en: `backup job ${job ?? ''} had not ended in time`, pl: `zadanie kopii zapasowej ${job ?? ''} nie zakończyło się w wyznaczonym czasie` }
        : { en: v?.message ?? 'Azure did not answer', pl: v?.message ?? 'Azure nie odpowiedział' };
  const check: LocalizedText = job
    ? { en: `retry the backup or check job ${job} of ${request.target.vm.name} in the vault.`, pl: `ponów kopię zapasową albo sprawdź zadanie ${job} maszyny ${request.target.vm.name} w magazynie.` }
    : { en: `retry the backup or check the backup jobs of ${request.target.vm.name} in the vault.`, pl: `ponów kopię zapasową albo sprawdź zadania kopii maszyny ${request.target.vm.name} w magazynie.` };
  const text: LocalizedText = {
    en: `${statusText.unverified.en}: ${reason.en}. The fix itself succeeded; ${check.en}`,
    pl: `${statusText.unverified.pl}: ${reason.pl}. Sama poprawka się powiodła; ${check.pl}`,
  };
  return t(text, lang);
}

export interface FixRequestViewOptions {
  /** Who looks at the card: approvers see Approve / Reject while the request is pending. */
  readonly viewer?: Actor;
  readonly policy: PolicyState;
  /** A refusal or a note for this viewer only. */
  readonly notice?: LocalizedText;
  /** The step running now (progress). */
  readonly step?: LocalizedText;
}

export function buildFixRequestView(request: FixRequest, fix: FixDefinition, options: FixRequestViewOptions): FixCardView {
  const lang = request.language;
  const unverified = isUnverified(request);
  let status = t(statusText[request.state], lang);
  if (unverified) {
    status = unverifiedStatus(request, lang);
  } else if (request.state === 'failed' && request.execution?.errorCode === 'interrupted') {
    status = t(interrupted, lang);
  } else if (request.state === 'failed' && request.execution?.errorCode === 'abandoned') {
    status = t(abandoned, lang);
  } else if (request.state === 'still-failing') {
    const v = request.verification;
    const what = v?.code ?? v?.message ?? v?.result ?? '';
    status = `${status}: ${what}`;
  }
  if (options.step && (request.state === 'executing' || request.state === 'verifying')) status = `${status} ${t(options.step, lang)}`;
  const facts = [
    { title: t(L.target, lang), value: targetLine(request.target) },
    { title: t(L.risk, lang), value: t(L[fix.risk], lang) },
    { title: t(L.requestedBy, lang), value: request.requester.displayName ?? request.requester.userId },
    ...(request.decidedBy ? [{ title: t(L.decidedBy, lang), value: request.decidedBy.displayName ?? request.decidedBy.userId }] : []),
    ...(request.state === 'requested' ? [{ title: t(L.expires, lang), value: request.expiresAt.replace('T', ' ').slice(0, 16) + ' UTC' }] : []),
  ];
  // An unverified request's reason is already in its status.
  const verificationText = !unverified && request.verification && request.verification.result !== 'pending' && request.verification.message ? request.verification.message : '';
  const outputParts = [request.execution ? t(request.execution.summary, lang) : '', request.execution?.output ?? '', verificationText]
    .filter((s) => s.length > 0)
    .join('\n');
  const canDecide = request.state === 'requested' && options.viewer !== undefined && decideApproval(options.policy, fix, request, options.viewer, 'approve').allowed;
  const canReject = request.state === 'requested' && options.viewer !== undefined && decideApproval(options.policy, fix, request, options.viewer, 'reject').allowed;
  const actions: CardButton[] = [];
  if (canDecide) actions.push({ title: t(L.approve, lang), verb: FixVerbs.approve, data: { v: 1, requestId: request.id }, style: 'positive' });
  if (canReject) actions.push({ title: t(L.reject, lang), verb: FixVerbs.reject, data: { v: 1, requestId: request.id }, style: 'destructive' });
  return {
    heading: `🔧 ${t(fix.title, lang)}`,
    status,
    statusColor: unverified ? colorOf.unverified : colorOf[request.state],
    facts,
    ...planned(fix, request.target, lang, request.planned),
    // Once it ran, the outcome matters more than the plan.
    hasOperations: request.state === 'requested' || request.state === 'approved',
    hasProblems: false,
    problems: [],
    hasOutput: outputParts.length > 0,
    output: outputParts.slice(0, 3000),
    hasNotice: options.notice !== undefined,
    notice: options.notice ? t(options.notice, lang) : '',
    actions,
  };
}

export interface AuditView {
  readonly heading: string;
  readonly isEmpty: boolean;
  readonly emptyText: string;
  readonly entries: readonly { when: string; action: string; outcome: string; line: string }[];
}

export function buildAuditView(entries: readonly AuditEvent[], vm: string | undefined, lang: Language): AuditView {
  return {
    heading: lang === 'pl' ? `Audyt poprawek${vm ? ` dla ${vm}` : ''} (najnowsze)` : `Fix audit${vm ? ` for ${vm}` : ''} (latest first)`,
    isEmpty: entries.length === 0,
    emptyText: lang === 'pl' ? 'Brak wpisów.' : 'No entries.',
    entries: entries.map((e) => ({
      when: e.at.replace('T', ' ').slice(0, 19),
      action: e.action,
      outcome: e.outcome,
      line: `${e.actor.displayName ?? e.actor.userId}${e.target ? ` · ${e.target.name}` : ''} · ${e.detail} · ${e.correlationId}`,
    })),
  };
}
