import type { BackupAlert } from './backup-alert';
import type { IncidentHeader, IncidentVm } from './incident';
import { groupingKey, vmFromAlert, vmTransition, withinWindow } from './incident';

/** What one alert does to its group, decided from the group as read. */
export type GroupDecision =
  /** Nothing holds it: a recovery with no incident, or of a VM the incident never had. */
  | { readonly kind: 'ignored' }
  /** An older alert than what the incident already shows: it belongs there but changes nothing. */
  | { readonly kind: 'stale'; readonly incidentId: string }
  /** The incident (new when `opened`) and the VM to write; `visible`: a new revision to show. */
  | { readonly kind: 'change'; readonly header: IncidentHeader; readonly vm: IncidentVm; readonly opened: boolean; readonly visible: boolean };

export interface GroupInput {
  readonly alert: BackupAlert;
  readonly code: string | null;
  /** The group's most recent incident within the window of the alert's time (its latest, or an older one for a late alert), and its record of the alert's VM. */
  readonly near: IncidentHeader | undefined;
  readonly vm: IncidentVm | undefined;
  readonly windowMs: number;
  /** Called only when an incident is opened. */
  readonly newId: () => string;
}

/**
 * Grouping as a pure decision, so the transactional ledger and the shared one (which commits
 * the decision with a compare-and-swap, and decides again when it loses) apply the same rules.
 * Applying an alert a second time to the state it produced is a "touch": no new revision.
 */
export function decideGroup(input: GroupInput): GroupDecision {
  const { alert, code, near, windowMs } = input;
  const current = near && withinWindow(near.lastAlertAt, alert.occurredAt, windowMs) ? near : undefined;
  if (!current) {
    if (alert.condition === 'resolved') return { kind: 'ignored' };
    const header: IncidentHeader = {
      id: input.newId(),
      groupKey: groupingKey(alert, code),
      vault: alert.vault,
      code,
      ...(alert.message ? { message: alert.message } : {}),
      openedAt: alert.occurredAt,
      lastAlertAt: alert.occurredAt,
      revision: 1,
      vmCount: 1,
      recoveredCount: 0,
    };
    return { kind: 'change', header, vm: vmFromAlert(alert), opened: true, visible: true };
  }
  const existingVm = input.vm;
  const transition = vmTransition(existingVm, alert);
  let vmCount = current.vmCount;
  let recoveredCount = current.recoveredCount;
  switch (transition.kind) {
    case 'ignore':
      return transition.reason === 'stale' ? { kind: 'stale', incidentId: current.id } : { kind: 'ignored' };
    case 'add':
      vmCount += 1;
      break;
    case 'refire':
      recoveredCount -= 1;
      break;
    case 'recover':
      recoveredCount += 1;
      break;
    case 'touch':
      break;
  }
  const vm: IncidentVm = existingVm
    ? {
        ...existingVm,
        state: alert.condition,
        lastSeenAt: new Date(Math.max(existingVm.lastSeenAt.getTime(), alert.occurredAt.getTime())),
        ...(alert.jobId && alert.condition === 'fired' ? { jobId: alert.jobId } : {}),
      }
    : vmFromAlert(alert);
  const visible = transition.kind !== 'touch';
  const header: IncidentHeader = {
    ...current,
    lastAlertAt: new Date(Math.max(current.lastAlertAt.getTime(), alert.occurredAt.getTime())),
    vmCount,
    recoveredCount,
    revision: visible ? current.revision + 1 : current.revision,
    ...(current.message === undefined && alert.message ? { message: alert.message } : {}),
  };
  return { kind: 'change', header, vm, opened: false, visible };
}
