import type { AzurePort, BackupInstance, BackupVaultIdentity, DiskEncryption, EffectiveSecurityRule, FileShareState, StorageAccountInfo, BlobRestoreSettings, ProtectedVm, ResourceLock, RestorePointCollection, RoleAssignment, RunCommandOutput, VmExtension, VmStatus, WorkloadContainer } from '../../../src/core/azure-port';
import { CodedError } from '../../../src/core/errors';

/**
 * An in-memory AzurePort for the orchestration unit tests only (timeouts, errors, sharing);
 * the checks against the real SDK clients run in test/integration/checks.
 */
export interface StubEvidence {
  vmStatus: VmStatus | Error;
  rules?: EffectiveSecurityRule[] | Error;
  collections?: RestorePointCollection[] | Error;
  locks?: Record<string, ResourceLock[]>;
  protectedVms?: ProtectedVm[] | Error;
  runCommand?: RunCommandOutput | Error;
  extensions?: VmExtension[] | Error;
  /** null: the VM is not registered with the vault. */
  workloadContainer?: WorkloadContainer | null | Error;
  /** Backup vault datasources: the instances found, the vault's identity (null: the vault is not visible), the role assignments per scope. */
  backupInstances?: BackupInstance[] | Error;
  vaultIdentity?: BackupVaultIdentity | null | Error;
  diskEncryption?: DiskEncryption | Error;
  roleAssignments?: Record<string, RoleAssignment[] | Error>;
  /** Locks that apply to a resource, by its lower-cased ARM id. */
  resourceLocks?: Record<string, ResourceLock[] | Error>;
  fileShare?: FileShareState | Error;
  storageAccount?: StorageAccountInfo | Error;
  blobRestore?: BlobRestoreSettings | Error;
  /** Delay per method name, in ms. */
  delays?: Partial<Record<keyof AzurePort, number>>;
}

export class StubAzurePort implements AzurePort {
  readonly calls: string[] = [];
  readonly signals: (AbortSignal | undefined)[] = [];

  constructor(private readonly evidence: StubEvidence) {}

  private async answer<T>(method: keyof AzurePort, value: T | Error | undefined, signal: AbortSignal | undefined): Promise<T> {
    this.calls.push(method);
    this.signals.push(signal);
    const delay = this.evidence.delays?.[method] ?? 0;
    if (delay > 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, delay);
        signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new CodedError('azure_failed', 'aborted'));
        });
      });
    }
    if (value instanceof Error) throw value;
    if (value === undefined) throw new CodedError('internal', `stub has no ${method}`);
    return value;
  }

  getVmStatus: AzurePort['getVmStatus'] = (_vm, o) => this.answer('getVmStatus', this.evidence.vmStatus, o?.abortSignal);
  listEffectiveSecurityRules: AzurePort['listEffectiveSecurityRules'] = (_vm, o) => this.answer('listEffectiveSecurityRules', this.evidence.rules ?? [], o?.abortSignal);
  listRestorePointCollections: AzurePort['listRestorePointCollections'] = (_vm, o) => this.answer('listRestorePointCollections', this.evidence.collections ?? [], o?.abortSignal);
  listResourceGroupLocks: AzurePort['listResourceGroupLocks'] = (_s, rg, o) => this.answer('listResourceGroupLocks', this.evidence.locks?.[rg] ?? [], o?.abortSignal);
  listProtectedVms: AzurePort['listProtectedVms'] = (_v, o) => this.answer('listProtectedVms', this.evidence.protectedVms ?? [], o?.abortSignal);
  listDatabaseVms: AzurePort['listDatabaseVms'] = (_v, o) => this.answer('listDatabaseVms', [], o?.abortSignal);
  runCommand: AzurePort['runCommand'] = (_vm, _c, o) => this.answer('runCommand', this.evidence.runCommand, o?.abortSignal);
  listVmExtensions: AzurePort['listVmExtensions'] = (_vm, o) => this.answer('listVmExtensions', this.evidence.extensions ?? [], o?.abortSignal);
  getWorkloadContainer: AzurePort['getWorkloadContainer'] = async (_v, _vm, o) => (await this.answer('getWorkloadContainer', this.evidence.workloadContainer ?? null, o?.abortSignal)) ?? undefined;

  listBackupInstances: AzurePort['listBackupInstances'] = (_v, _n, o) => this.answer('listBackupInstances', this.evidence.backupInstances ?? [], o?.abortSignal);
  getBackupVaultIdentity: AzurePort['getBackupVaultIdentity'] = async (_v, o) => (await this.answer('getBackupVaultIdentity', this.evidence.vaultIdentity ?? null, o?.abortSignal)) ?? undefined;
  getDiskEncryption: AzurePort['getDiskEncryption'] = (_id, o) => this.answer('getDiskEncryption', this.evidence.diskEncryption ?? {}, o?.abortSignal);
  listRoleAssignments: AzurePort['listRoleAssignments'] = (scope, _p, o) => this.answer('listRoleAssignments', this.evidence.roleAssignments?.[scope.toLowerCase()] ?? [], o?.abortSignal);
  listResourceLocks: AzurePort['listResourceLocks'] = (id, o) => this.answer('listResourceLocks', this.evidence.resourceLocks?.[id.toLowerCase()] ?? [], o?.abortSignal);
  getFileShareState: AzurePort['getFileShareState'] = (_id, _share, o) => this.answer('getFileShareState', this.evidence.fileShare, o?.abortSignal);
  getStorageAccount: AzurePort['getStorageAccount'] = (_id, o) => this.answer('getStorageAccount', this.evidence.storageAccount, o?.abortSignal);
  getBlobRestoreSettings: AzurePort['getBlobRestoreSettings'] = (_id, o) => this.answer('getBlobRestoreSettings', this.evidence.blobRestore, o?.abortSignal);

  listVaults: AzurePort['listVaults'] = () => this.unexpected('listVaults');
  listFailedBackupJobs: AzurePort['listFailedBackupJobs'] = () => this.unexpected('listFailedBackupJobs');
  getBackupJob: AzurePort['getBackupJob'] = () => this.unexpected('getBackupJob');
  triggerBackup: AzurePort['triggerBackup'] = () => this.unexpected('triggerBackup');
  deleteExtension: AzurePort['deleteExtension'] = () => this.unexpected('deleteExtension');
  deleteRestorePointCollection: AzurePort['deleteRestorePointCollection'] = () => this.unexpected('deleteRestorePointCollection');
  deleteResourceGroupLock: AzurePort['deleteResourceGroupLock'] = () => this.unexpected('deleteResourceGroupLock');
  createResourceGroupLock: AzurePort['createResourceGroupLock'] = () => this.unexpected('createResourceGroupLock');

  /** Checks only read: any write is a bug. */
  private unexpected(method: string): never {
    throw new Error(`checks must not call ${method}`);
  }

  count(method: keyof AzurePort): number {
    return this.calls.filter((c) => c === method).length;
  }
}
