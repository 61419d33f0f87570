import type { LocalizedText } from '../knowledge/schema';
import type { BackupInstance, VaultRef, VmRef } from '../azure-port';

/** The ids agreed in knowledge/checks.json; a registry test keeps the two in step. */
export const CheckIds = [
  'outbound-storage-access',
  'wireserver-access',
  'windows-agent-ready',
  'linux-agent-version',
  'linux-agent-ready',
  'vm-power-state',
  'guest-dhcp',
  'backup-extension-health',
  'restore-point-rg-lock',
  'restore-point-count',
  'linux-agent-config',
  'vm-provisioning-state',
  'extensions-provisioned',
  'vm-protection-active',
  'sql-workload-extension',
  'sql-vm-registered',
  'hana-workload-extension',
  'hana-vm-registered',
  'vault-identity-disk-role',
  'vault-identity-snapshot-rg-role',
  'vault-identity-storage-account-role',
  'vault-identity-des-reader',
  'source-disk-exists',
  'storage-account-read-only-lock',
  'file-share-exists',
  'file-share-not-soft-deleted',
  'file-share-snapshot-count',
  'storage-account-exists',
  'storage-account-kind-supported',
  'blob-point-in-time-restore',
] as const;
export type CheckId = (typeof CheckIds)[number];

export type CheckStatus = 'pass' | 'fail' | 'unknown';

export interface CheckResult {
  /** A CheckId, or an id from the knowledge base that has no automated check (then always unknown). */
  readonly checkId: string;
  readonly status: CheckStatus;
  /** One concrete line: what Azure showed and why that passes or fails. */
  readonly evidence: LocalizedText;
  /** What the operator can do by hand where ARM cannot see (or did not answer). */
  readonly manual?: LocalizedText;
  /**
   * Unknown because Azure did not answer (a refusal such as a missing role, an error, a timeout),
   * not because the check cannot tell (a VM that is not running): asking again, or with the
   * right role, could answer it.
   */
  readonly unanswered?: true;
}

export interface CheckTarget {
  readonly vm: VmRef;
  /** Needed only by checks on the protected item (vm-protection-active). */
  readonly vault?: VaultRef;
}

/** The workloads a Backup vault protects that have checks: disks and blobs. */
export type DatasourceWorkload = 'azure-disk' | 'azure-blob';

/**
 * A Backup vault datasource to check (a disk, or a storage account for blobs): its backup instance,
 * found in the vault the alert named, so every id the checks read comes from Azure, not from a card.
 */
export interface DatasourceCheckTarget {
  readonly workload: DatasourceWorkload;
  readonly backupInstance: BackupInstance;
}

/** An Azure file share to check: its storage account's ARM id and the share's name. */
export interface FileShareCheckTarget {
  readonly workload: 'azure-files';
  readonly storageAccountId: string;
  readonly shareName: string;
}

export type AnyCheckTarget = CheckTarget | DatasourceCheckTarget | FileShareCheckTarget;

export function isFileShareTarget(target: AnyCheckTarget): target is FileShareCheckTarget {
  return 'shareName' in target;
}

export function isDatasourceTarget(target: AnyCheckTarget): target is DatasourceCheckTarget {
  return 'backupInstance' in target;
}

export function text(en: string, pl: string): LocalizedText {
  return { en, pl };
}

export function pass(checkId: string, evidence: LocalizedText, manual?: LocalizedText): CheckResult {
  return manual === undefined ? { checkId, status: 'pass', evidence } : { checkId, status: 'pass', evidence, manual };
}

export function fail(checkId: string, evidence: LocalizedText, manual?: LocalizedText): CheckResult {
  return manual === undefined ? { checkId, status: 'fail', evidence } : { checkId, status: 'fail', evidence, manual };
}

export function unknown(checkId: string, evidence: LocalizedText, manual?: LocalizedText): CheckResult {
  return manual === undefined ? { checkId, status: 'unknown', evidence } : { checkId, status: 'unknown', evidence, manual };
}
