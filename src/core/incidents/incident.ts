import type { AlertCondition, AlertVault, BackupAlert } from './backup-alert';
import { vaultKey, vmKey, workloadOf } from './backup-alert';
import { type BackupWorkload, isBackupWorkload } from './backup-workload';

/**
 * An incident: the failures of one error code in one vault within a sliding window.
 * Its VMs are fired or recovered; the incident is recovered when every VM is.
 * `revision` grows on every visible change; delivery renders the latest revision.
 */
export interface IncidentVm {
  readonly key: string;
  readonly name: string;
  readonly resourceGroup?: string;
  readonly jobId?: string;
  /** 'resolved': the VM recovered. */
  readonly state: AlertCondition;
  readonly firstSeenAt: Date;
  readonly lastSeenAt: Date;
}

export interface IncidentHeader {
  readonly id: string;
  /** vault key + workload + code; see groupingKey. */
  readonly groupKey: string;
  readonly vault: AlertVault;
  /** null: the alert did not say and the job could not tell (grouped as "unidentified"). */
  readonly code: string | null;
  readonly message?: string;
  readonly openedAt: Date;
  readonly lastAlertAt: Date;
  readonly revision: number;
  readonly vmCount: number;
  readonly recoveredCount: number;
}

export interface Incident extends IncidentHeader {
  /** In the order first seen. */
  readonly vms: readonly IncidentVm[];
}

export type IncidentStatus = 'active' | 'recovered';

export function incidentStatus(incident: Pick<IncidentHeader, 'vmCount' | 'recoveredCount'>): IncidentStatus {
  return incident.vmCount > 0 && incident.recoveredCount >= incident.vmCount ? 'recovered' : 'active';
}

export const unidentifiedCode = 'unidentified';

/**
 * One incident per vault, workload and code: a SQL database and a VM failing with the same code are
 * two incidents. Azure VMs keep the two-part key "vault|code" they always had, so incidents stored
 * before workloads were told apart still group with new alerts; other workloads are "vault|workload|code".
 * The stores keep the key, so the workload is read back from it (workloadOfGroupKey) wherever they keep an incident.
 */
export function groupingKey(alert: Pick<BackupAlert, 'vault' | 'workload'>, code: string | null): string {
  const workload = workloadOf(alert);
  const codeKey = (code ?? unidentifiedCode).toLowerCase();
  return workload === 'azure-vm' ? `${vaultKey(alert.vault)}|${codeKey}` : `${vaultKey(alert.vault)}|${workload}|${codeKey}`;
}

export function workloadOfGroupKey(groupKey: string): BackupWorkload {
  const parts = groupKey.split('|');
  const middle = parts.length === 3 ? parts[1] : undefined;
  return middle !== undefined && isBackupWorkload(middle) ? middle : 'azure-vm';
}

/**
 * Whether an alert at `at` still belongs to an incident last touched at `lastAlertAt`.
 * The window slides: a storm that keeps going stays one incident; alerts may arrive a little
 * out of order (Azure Monitor retries), so the window counts both ways.
 */
export function withinWindow(lastAlertAt: Date, at: Date, windowMs: number): boolean {
  return Math.abs(at.getTime() - lastAlertAt.getTime()) <= windowMs;
}

/** The last-alert times withinWindow accepts for an alert at `at`, both ends included (what a store filters on). */
export function windowAround(at: Date, windowMs: number): { readonly from: Date; readonly to: Date } {
  return { from: new Date(at.getTime() - windowMs), to: new Date(at.getTime() + windowMs) };
}

export type VmTransition =
  | { readonly kind: 'add' }
  | { readonly kind: 'refire' }
  | { readonly kind: 'recover' }
  | { readonly kind: 'touch' }
  | { readonly kind: 'ignore'; readonly reason: 'resolved-unknown-vm' | 'stale' };

/** What an alert does to one VM of an incident. */
export function vmTransition(existing: IncidentVm | undefined, alert: Pick<BackupAlert, 'condition' | 'occurredAt'>): VmTransition {
  if (!existing) return alert.condition === 'fired' ? { kind: 'add' } : { kind: 'ignore', reason: 'resolved-unknown-vm' };
  // An older alert must not undo a newer state (a late "Fired" after the "Resolved").
  if (alert.occurredAt.getTime() < existing.lastSeenAt.getTime() && alert.condition !== existing.state) return { kind: 'ignore', reason: 'stale' };
  if (alert.condition === 'fired') return existing.state === 'resolved' ? { kind: 'refire' } : { kind: 'touch' };
  return existing.state === 'fired' ? { kind: 'recover' } : { kind: 'touch' };
}

export function vmFromAlert(alert: BackupAlert): IncidentVm {
  return {
    key: vmKey(alert.vm),
    name: alert.vm.name,
    ...(alert.vm.resourceGroup ? { resourceGroup: alert.vm.resourceGroup } : {}),
    ...(alert.jobId ? { jobId: alert.jobId } : {}),
    state: alert.condition,
    firstSeenAt: alert.occurredAt,
    lastSeenAt: alert.occurredAt,
  };
}
