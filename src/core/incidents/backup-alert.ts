/**
 * One shape for every way an alert reaches us (Azure Monitor common schema, its metric
 * variant, the documented minimal JSON, the job poller), so grouping and delivery never
 * look at the payload kind again.
 */
import type { BackupWorkload } from './backup-workload';

export type AlertCondition = 'fired' | 'resolved';

export type AlertSourceKind = 'azure-monitor-backup' | 'azure-monitor-metric' | 'minimal' | 'job-poller' | 'log-search';

export interface AlertVault {
  /** Display name as the sender spelled it. */
  readonly name: string;
  readonly subscriptionId?: string;
  readonly resourceGroup?: string;
}

/**
 * The protected resource an alert is about. For an Azure VM it is the VM; for other workloads the
 * name says the item and where it lives ("SalesDb (MSSQLSERVER on sql-vm01)", "finance (stfiles01)"),
 * with the resource group and subscription of that host.
 */
export interface AlertVm {
  readonly name: string;
  readonly resourceGroup?: string;
  readonly subscriptionId?: string;
}

export interface BackupAlert {
  readonly source: AlertSourceKind;
  readonly condition: AlertCondition;
  readonly vault: AlertVault;
  readonly vm: AlertVm;
  /** What kind of item failed; absent means an Azure VM (the minimal JSON and the job poller speak of VMs only). */
  readonly workload?: BackupWorkload;
  /** Backup job GUID, lower-cased (the webhook and the poller meet on it). */
  readonly jobId?: string;
  /** A code the sender stated outright (minimal JSON). */
  readonly errorCode?: string;
  /** The error message (essentials.description, job errorString). */
  readonly message?: string;
  /** Texts that may carry the code: originAlertId, recommendedActions with aka.ms/AB- links. */
  readonly codeHints: readonly string[];
  /** Azure Monitor alert id, when there is one. */
  readonly alertId?: string;
  readonly occurredAt: Date;
  /** Metric alerts: Backup Health Events "Health Status" dimension. */
  readonly healthStatus?: string;
  /** Set when the sender's time was implausible and `occurredAt` is the time received instead (see alert-time.ts). */
  readonly senderTimeReplaced?: SenderTimeReplaced;
  /** Set when the sender gave no time at all (a minimal alert without occurredAt): `occurredAt` is the time received. */
  readonly timeFromReceipt?: true;
}

/** What the sender said the alert's time was, kept when we replaced it with the time received. */
export interface SenderTimeReplaced {
  /** As sent (ISO 8601), or 'invalid'. */
  readonly senderTime: string;
  readonly reason: 'ahead' | 'too-old' | 'invalid';
}

/** Grouping and matching compare vault names case-insensitively: alertTargetIDs arrive lower-cased. */
export function vaultKey(vault: AlertVault): string {
  return vault.name.toLowerCase();
}

export function workloadOf(alert: Pick<BackupAlert, 'workload'>): BackupWorkload {
  return alert.workload ?? 'azure-vm';
}

export function vmKey(vm: AlertVm): string {
  return vm.name.toLowerCase();
}

/** The job id as a bare GUID, whatever form it arrived in (ARM id or name). */
export function normaliseJobId(raw: string): string {
  const trimmed = raw.trim();
  const tail = trimmed.includes('/') ? (trimmed.split('/').filter((s) => s.length > 0).pop() ?? trimmed) : trimmed;
  return tail.toLowerCase();
}

/**
 * The key under which the inbox deduplicates: a job seen by the webhook and by the poller
 * is one entry. Without a job id, the alert id (or the whole identity) stands in.
 */
export function alertDedupeKey(alert: BackupAlert): string {
  if (alert.jobId) return `${alert.condition}:job:${alert.jobId}`;
  if (alert.alertId) return `${alert.condition}:alert:${alert.alertId.toLowerCase()}`;
  return contentKey(alert, identityTime(alert));
}

/**
 * For an alert keyed by the slot it was received in: its key in the slot before. A sender's retry
 * that lands just past a slot boundary is a copy of the first delivery all the same, so the
 * inbox also looks there (and counts it a copy when that entry came within one slot's length).
 */
export function earlierSlotDedupeKey(alert: BackupAlert): string | undefined {
  if (alert.jobId || alert.alertId || alert.senderTimeReplaced || !alert.timeFromReceipt) return undefined;
  return contentKey(alert, `received:${Math.floor(alert.occurredAt.getTime() / receiptSlotMs) - 1}`);
}

/** The entry found under `earlierSlotDedupeKey`, when it came within one slot's length of this delivery: the same alert, retried. */
export function retriedAcrossSlots<T extends { readonly receivedAt: Date }>(earlier: T | undefined, receivedAt: Date): T | undefined {
  return earlier && receivedAt.getTime() - earlier.receivedAt.getTime() < receiptSlotMs ? earlier : undefined;
}

function contentKey(alert: BackupAlert, time: string): string {
  return `${alert.condition}:vm:${vaultKey(alert.vault)}:${vmKey(alert.vm)}:${alert.errorCode ?? ''}:${alert.message ?? ''}:${time}`;
}

/** Copies of an alert that carries no time of its own, received within one such slot, are one alert. */
export const receiptSlotMs = 5 * 60_000;

/**
 * The time that belongs to an alert's identity: what the sender said, even when we group on
 * another; with no time from the sender, the slot it was received in, so a sender's retries
 * (which arrive within seconds, each with its own receive time) are recognised as one alert.
 */
function identityTime(alert: BackupAlert): string {
  if (alert.senderTimeReplaced) return `sent:${alert.senderTimeReplaced.senderTime}`;
  if (alert.timeFromReceipt) return `received:${Math.floor(alert.occurredAt.getTime() / receiptSlotMs)}`;
  return alert.occurredAt.toISOString();
}
