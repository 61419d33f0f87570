import type { CheckResult } from '../checks/check-types';
import type { ProtectedVm, VaultRef, VmRef } from '../azure-port';
import type { LocalizedText } from '../knowledge/schema';
import { riskCauses, type RiskCauseId } from './risk-causes';

/** One VM the sweep found at risk: under which cause, and the line of evidence that decided it. */
export interface AtRiskVm {
  readonly vm: VmRef;
  readonly vault: VaultRef;
  readonly cause: RiskCauseId;
  readonly evidence: LocalizedText;
}

/** A VM the sweep could not judge: Azure did not answer a check that could have found a cause (a missing role, an error, a timeout), or no check could be answered. */
export interface UncheckedVm {
  readonly vm: VmRef;
  readonly vault: VaultRef;
  readonly evidence: LocalizedText;
}

/** A protected VM no schedule backs up any more (protection stopped or paused): it cannot fail tonight, so it is not swept. */
export interface NotScheduledVm {
  readonly vm: VmRef;
  readonly vault: VaultRef;
  readonly protectionState: string;
}

/** Protection states in which no scheduled backup runs (stop backup, with or without retaining data; paused; suspended). */
const unscheduledStates = new Set(['protectionstopped', 'protectionpaused', 'backupssuspended']);

/** False when the vault says no schedule backs the VM up any more. */
export function backupScheduled(item: Pick<ProtectedVm, 'protectionState'>): boolean {
  return !unscheduledStates.has((item.protectionState ?? '').trim().toLowerCase());
}

export type SweepTrigger = 'schedule' | 'command';

/** One sweep of the fleet, as stored: enough to render its digest and to re-check a press on it. */
export interface FleetSweepResult {
  /** Opaque id; the digest's buttons carry it. */
  readonly id: string;
  /** What started it: the schedule, or someone asking in chat. */
  readonly trigger: SweepTrigger;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Protected VMs swept. */
  readonly total: number;
  /** Protected VMs swept per vault, so a conversation subscribed to some vaults counts its own. */
  readonly vaultTotals?: readonly { readonly vault: VaultRef; readonly vms: number }[];
  /** In the order of the causes, then by VM name. */
  readonly atRisk: readonly AtRiskVm[];
  readonly unchecked: readonly UncheckedVm[];
  /** Vaults whose protected items could not be listed (name and why). */
  readonly unreadableVaults: readonly { readonly vault: string; readonly evidence: LocalizedText }[];
  /** Protected VMs left out because no schedule backs them up any more (not in `total`). */
  readonly notScheduled?: readonly NotScheduledVm[];
  /**
   * Set on one conversation's part of a sweep (never stored): where each `atRisk` row sits in the
   * stored sweep, which is what a row's buttons name and the server reloads.
   */
  readonly storedPositions?: readonly number[];
}

export type VmFinding =
  | { readonly kind: 'at-risk'; readonly cause: RiskCauseId; readonly evidence: LocalizedText }
  | { readonly kind: 'healthy' }
  | { readonly kind: 'unchecked'; readonly evidence: LocalizedText };

/**
 * Judges one VM from its checks and its protected item: filed under the first cause whose checks
 * fail; else, when its last backup failed for a reason ARM cannot see, under last-backup-failed;
 * else healthy, unless a check Azure did not answer (a missing role, an error, a timeout) leaves
 * a cause unjudged, or no check could be answered at all: then it is unchecked, never healthy.
 */
export function judgeVm(results: readonly CheckResult[], item: Pick<ProtectedVm, 'friendlyName' | 'lastBackupStatus' | 'healthStatus' | 'lastBackupTime'>): VmFinding {
  const byId = new Map(results.map((r) => [r.checkId, r]));
  for (const cause of riskCauses) {
    const failing = cause.checks.map((id) => byId.get(id)).filter((r): r is CheckResult => r?.status === 'fail');
    if (failing.length > 0) return { kind: 'at-risk', cause: cause.id, evidence: joinEvidence(failing.map((r) => r.evidence)) };
  }
  const unanswered = results.filter((r) => r.status === 'unknown' && r.unanswered === true);
  if (lastBackupFailed(item)) {
    const when = item.lastBackupTime === undefined ? '' : ` (${item.lastBackupTime.toISOString().slice(0, 16).replace('T', ' ')} UTC)`;
    const health = item.healthStatus === undefined ? '' : `; health ${item.healthStatus}`;
    const failed: LocalizedText = { en: `The last backup of ${item.friendlyName}${when} failed${health}`, pl: `Ostatnia kopia zapasowa maszyny ${item.friendlyName}${when} nie powiodła się${health}` };
    const why: LocalizedText =
      unanswered.length === 0
        ? { en: ', and none of the checks ARM allows found why.', pl: ', a żadne ze sprawdzeń dostępnych w ARM nie wskazało przyczyny.' }
        : { en: `; Azure did not answer ${unanswered.length} of its checks:`, pl: `; Azure nie odpowiedział na ${unanswered.length} sprawdzeń:` };
    return { kind: 'at-risk', cause: 'last-backup-failed', evidence: joinEvidence([{ en: failed.en + why.en, pl: failed.pl + why.pl }, ...unanswered.slice(0, 1).map((r) => r.evidence)]) };
  }
  if (unanswered.length > 0) return { kind: 'unchecked', evidence: joinEvidence(unanswered.slice(0, 1).map((r) => r.evidence)) };
  if (results.length > 0 && results.every((r) => r.status === 'unknown')) return { kind: 'unchecked', evidence: results[0]?.evidence ?? { en: '', pl: '' } };
  return { kind: 'healthy' };
}

function lastBackupFailed(item: Pick<ProtectedVm, 'lastBackupStatus' | 'healthStatus'>): boolean {
  const status = (item.lastBackupStatus ?? '').toLowerCase();
  const health = (item.healthStatus ?? '').toLowerCase();
  return status === 'failed' || health === 'actionrequired';
}

function joinEvidence(lines: readonly LocalizedText[]): LocalizedText {
  const join = (l: keyof LocalizedText): string => clip(lines.map((line) => line[l].replace(/\s+/g, ' ').trim()).join(' '));
  return { en: join('en'), pl: join('pl') };
}

/** The digest shows one line per VM. */
const maxEvidenceChars = 300;

function clip(line: string): string {
  return line.length <= maxEvidenceChars ? line : `${line.slice(0, maxEvidenceChars - 1).trimEnd()}…`;
}

/** A VM's identity across sweeps (ARM names are case-insensitive). */
export function vmKey(vm: VmRef): string {
  return `${vm.subscriptionId}/${vm.resourceGroup}/${vm.name}`.toLowerCase();
}

/** Orders the at-risk VMs as the digest shows them: by cause, then by name. */
export function orderAtRisk(vms: readonly AtRiskVm[]): AtRiskVm[] {
  const rank = new Map(riskCauses.map((c, i) => [c.id, i]));
  return [...vms].sort((a, b) => (rank.get(a.cause) ?? 0) - (rank.get(b.cause) ?? 0) || a.vm.name.localeCompare(b.vm.name) || vmKey(a.vm).localeCompare(vmKey(b.vm)));
}

export interface SweepChanges {
  /** Keys of VMs at risk now that were not at risk in the previous sweep. */
  readonly newlyAtRisk: ReadonlySet<string>;
  /** VMs at risk in the previous sweep that are not any more. */
  readonly recovered: readonly AtRiskVm[];
}

/** What changed since the previous sweep; without one, nothing is "new" (there is nothing to compare with). */
export function changesSince(previous: FleetSweepResult | undefined, current: FleetSweepResult): SweepChanges {
  if (previous === undefined) return { newlyAtRisk: new Set(), recovered: [] };
  const before = new Set(previous.atRisk.map((v) => vmKey(v.vm)));
  const now = new Set(current.atRisk.map((v) => vmKey(v.vm)));
  // A VM this sweep could not judge has not recovered: it is simply unknown now.
  const unjudged = new Set(current.unchecked.map((v) => vmKey(v.vm)));
  return {
    newlyAtRisk: new Set([...now].filter((k) => !before.has(k))),
    recovered: previous.atRisk.filter((v) => !now.has(vmKey(v.vm)) && !unjudged.has(vmKey(v.vm))),
  };
}

/** How many of the swept VMs each vault protects. */
export function countByVault(items: readonly Pick<ProtectedVm, 'vault'>[]): { vault: VaultRef; vms: number }[] {
  const byVault = new Map<string, { vault: VaultRef; vms: number }>();
  for (const { vault } of items) {
    const key = `${vault.subscriptionId}/${vault.resourceGroup}/${vault.name}`.toLowerCase();
    const entry = byVault.get(key) ?? { vault, vms: 0 };
    entry.vms += 1;
    byVault.set(key, entry);
  }
  return [...byVault.values()];
}
