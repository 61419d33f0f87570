import type { AzurePort, BackupVaultIdentity, BlobRestoreSettings, DiskEncryption, ResourceLock, RoleAssignment, StorageAccountInfo } from '../azure-port';
import { isCodedError } from '../errors';
import { text, unknown, type CheckId, type CheckResult, type DatasourceCheckTarget, type DatasourceWorkload } from './check-types';
import {
  evaluateBlobRestore,
  evaluateStorageAccountKind,
  evaluateStorageAccountLocks,
  storageAccountForbidden,
  storageAccountFound,
  storageAccountGone,
  storageAccountLocksForbidden,
  storageAccountMissing,
} from './storage-account-checks';
import { readOncePerRun } from './read-once';
import {
  type CheckedScope,
  diskEncryptionSetScope,
  diskScope,
  evaluateMissingPrincipal,
  evaluateVaultRole,
  noDiskEncryptionSet,
  sourceDiskFound,
  sourceDiskMissing,
  noSnapshotResourceGroup,
  type RoleRequirement,
  RoleRequirements,
  roleAssignmentsForbidden,
  snapshotResourceGroupMissing,
  snapshotResourceGroupScope,
  storageAccountScope,
  vaultPrincipal,
} from './vault-identity-checks';

/**
 * The checks of a Backup vault datasource (a disk, a storage account's blobs): whether the vault's
 * managed identity holds the roles the backup needs. Their evidence is read once per run, like a VM's.
 */
export interface DatasourceEvidence {
  readonly target: DatasourceCheckTarget;
  vaultIdentity(): Promise<BackupVaultIdentity | undefined>;
  diskEncryption(): Promise<DiskEncryption>;
  roleAssignments(scope: string, principalId: string): Promise<readonly RoleAssignment[]>;
  /** Locks that apply to a resource (its own and inherited ones). */
  resourceLocks(resourceId: string): Promise<readonly ResourceLock[]>;
  storageAccount(accountId: string): Promise<StorageAccountInfo>;
  blobRestore(accountId: string): Promise<BlobRestoreSettings>;
}

export function createDatasourceEvidence(azure: AzurePort, target: DatasourceCheckTarget, options: { abortSignal?: AbortSignal } = {}): DatasourceEvidence {
  const call = options.abortSignal === undefined ? {} : { abortSignal: options.abortSignal };
  const once = readOncePerRun();
  return {
    target,
    vaultIdentity: () => once('vault-identity', () => azure.getBackupVaultIdentity(target.backupInstance.vault, call)),
    diskEncryption: () => once('disk-encryption', () => azure.getDiskEncryption(target.backupInstance.datasourceId, call)),
    roleAssignments: (scope, principalId) => once(`roles:${scope.toLowerCase()}:${principalId.toLowerCase()}`, () => azure.listRoleAssignments(scope, principalId, call)),
    resourceLocks: (resourceId) => once(`locks:${resourceId.toLowerCase()}`, () => azure.listResourceLocks(resourceId, call)),
    storageAccount: (accountId) => once(`account:${accountId.toLowerCase()}`, () => azure.getStorageAccount(accountId, call)),
    blobRestore: (accountId) => once(`blob-service:${accountId.toLowerCase()}`, () => azure.getBlobRestoreSettings(accountId, call)),
  };
}

export interface DatasourceCheckContext {
  readonly target: DatasourceCheckTarget;
  readonly evidence: DatasourceEvidence;
}

export interface DatasourceCheckDefinition {
  readonly id: CheckId;
  /** The kind of datasource this check looks at; the runner answers for the other kind without running it. */
  readonly workload: DatasourceWorkload;
  run(context: DatasourceCheckContext): Promise<CheckResult>;
}

/** One role on one scope: the identity first (missing is a failure), then its assignments there. */
async function roleCheck(c: DatasourceCheckContext, checkId: CheckId, req: RoleRequirement, scope: CheckedScope, onNotFound?: () => CheckResult): Promise<CheckResult> {
  const identity = await c.evidence.vaultIdentity();
  const principal = vaultPrincipal(c.target.backupInstance, identity);
  if (principal.kind === 'missing') return evaluateMissingPrincipal(checkId, principal, identity, req, scope);
  let assignments: readonly RoleAssignment[];
  try {
    assignments = await c.evidence.roleAssignments(scope.id, principal.principalId);
  } catch (error) {
    // A sign-in failure is not a missing role: the runner's generic line says so.
    if (isCodedError(error, 'azure_forbidden') && error.details['authentication'] !== true) return roleAssignmentsForbidden(checkId, scope);
    if (isCodedError(error, 'azure_not_found') && onNotFound !== undefined) return onNotFound();
    throw error;
  }
  return evaluateVaultRole(checkId, req, principal, scope, assignments);
}

/** The fixed answer of a check run on the other kind of datasource than the one it looks at. */
export function aboutOtherWorkload(checkId: string, wanted: DatasourceWorkload, target: DatasourceCheckTarget): CheckResult {
  const what = wanted === 'azure-disk' ? text('a disk', 'dysku') : text('a storage account', 'konta magazynu');
  return unknown(checkId, text(`This check is about ${what.en}; ${target.backupInstance.name} protects another kind of datasource.`, `To sprawdzenie dotyczy ${what.pl}; ${target.backupInstance.name} chroni inny rodzaj źródła danych.`));
}

/** Several snapshot resource groups (rare): the worst answer decides, a failure before an unknown. */
function worst(results: readonly CheckResult[]): CheckResult | undefined {
  return results.find((r) => r.status === 'fail') ?? results.find((r) => r.status === 'unknown') ?? results[0];
}

const definitions: readonly DatasourceCheckDefinition[] = [
  {
    id: 'vault-identity-disk-role',
    workload: 'azure-disk',
    run: (c) => roleCheck(c, 'vault-identity-disk-role', RoleRequirements.disk, diskScope(c.target.backupInstance.datasourceId)),
  },
  {
    id: 'vault-identity-snapshot-rg-role',
    workload: 'azure-disk',
    run: async (c) => {
      const id = 'vault-identity-snapshot-rg-role';
      const groups = c.target.backupInstance.snapshotResourceGroupIds;
      const results = await Promise.all(
        groups.map((group) => {
          const scope = snapshotResourceGroupScope(group);
          return roleCheck(c, id, RoleRequirements.snapshotResourceGroup, scope, () => snapshotResourceGroupMissing(id, scope));
        }),
      );
      return worst(results) ?? noSnapshotResourceGroup(id, c.target.backupInstance);
    },
  },
  {
    id: 'vault-identity-storage-account-role',
    workload: 'azure-blob',
    run: (c) => roleCheck(c, 'vault-identity-storage-account-role', RoleRequirements.storageAccount, storageAccountScope(c.target.backupInstance.datasourceId)),
  },
  {
    id: 'vault-identity-des-reader',
    workload: 'azure-disk',
    run: async (c) => {
      const id = 'vault-identity-des-reader';
      const encryption = await c.evidence.diskEncryption();
      if (encryption.diskEncryptionSetId === undefined) return noDiskEncryptionSet(id, c.target.backupInstance.datasourceId, encryption.type);
      return roleCheck(c, id, RoleRequirements.diskEncryptionSet, diskEncryptionSetScope(encryption.diskEncryptionSetId));
    },
  },
  {
    id: 'source-disk-exists',
    workload: 'azure-disk',
    run: async (c) => {
      const id = 'source-disk-exists';
      const diskId = c.target.backupInstance.datasourceId;
      try {
        await c.evidence.diskEncryption();
        return sourceDiskFound(id, diskId);
      } catch (error) {
        if (isCodedError(error, 'azure_not_found')) return sourceDiskMissing(id, diskId);
        throw error;
      }
    },
  },
  {
    id: 'storage-account-read-only-lock',
    workload: 'azure-blob',
    run: async (c) => {
      const id = 'storage-account-read-only-lock';
      const accountId = storageAccountScope(c.target.backupInstance.datasourceId).id;
      try {
        return evaluateStorageAccountLocks(id, accountId, await c.evidence.resourceLocks(accountId));
      } catch (error) {
        // A sign-in failure is not a missing role: the runner's generic line says so.
        if (isCodedError(error, 'azure_forbidden') && error.details['authentication'] !== true) return storageAccountLocksForbidden(id, accountId);
        if (isCodedError(error, 'azure_not_found')) return storageAccountMissing(id, accountId);
        throw error;
      }
    },
  },
  {
    id: 'storage-account-exists',
    workload: 'azure-blob',
    run: (c) =>
      accountCheck(c, 'storage-account-exists', { en: 'the properties', pl: 'właściwości' }, async (id, accountId) => storageAccountFound(id, accountId, await c.evidence.storageAccount(accountId)), storageAccountGone),
  },
  {
    id: 'storage-account-kind-supported',
    workload: 'azure-blob',
    run: (c) =>
      accountCheck(c, 'storage-account-kind-supported', { en: 'the kind and SKU', pl: 'rodzaju i SKU' }, async (id, accountId) => evaluateStorageAccountKind(id, accountId, await c.evidence.storageAccount(accountId)), storageAccountMissing),
  },
  {
    id: 'blob-point-in-time-restore',
    workload: 'azure-blob',
    run: (c) =>
      accountCheck(c, 'blob-point-in-time-restore', { en: 'the blob service settings', pl: 'ustawień usługi obiektów blob' }, async (id, accountId) => evaluateBlobRestore(id, accountId, await c.evidence.blobRestore(accountId)), storageAccountMissing),
  },
];

/** A check on a blob backup's storage account: a 403 names the role, a 404 says the account is gone. */
async function accountCheck(
  c: DatasourceCheckContext,
  id: CheckId,
  what: { en: string; pl: string },
  judge: (id: string, accountId: string) => Promise<CheckResult>,
  onNotFound: (id: string, accountId: string) => CheckResult,
): Promise<CheckResult> {
  const accountId = storageAccountScope(c.target.backupInstance.datasourceId).id;
  try {
    return await judge(id, accountId);
  } catch (error) {
    // A sign-in failure is not a missing role: the runner's generic line says so.
    if (isCodedError(error, 'azure_forbidden') && error.details['authentication'] !== true) return storageAccountForbidden(id, accountId, what);
    if (isCodedError(error, 'azure_not_found')) return onNotFound(id, accountId);
    throw error;
  }
}

const byId = new Map<string, DatasourceCheckDefinition>(definitions.map((d) => [d.id, d]));

export function datasourceCheckDefinition(id: string): DatasourceCheckDefinition | undefined {
  return byId.get(id);
}

export function datasourceCheckDefinitions(): readonly DatasourceCheckDefinition[] {
  return definitions;
}
