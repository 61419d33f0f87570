import type { AzurePort, BackupJob, DatabaseVm, ProtectedVm, VaultRef } from '../../../src/core/azure-port';
import { CodedError } from '../../../src/core/errors';

/**
 * An in-memory AzurePort for the question use-case unit tests (vault fan-out, time windows,
 * partial failures, time budget). The same questions run against the real SDK clients and the
 * ARM simulator in test/integration/questions.
 */
export const SUB = '00000000-0000-0000-0000-000000000001';
export const prod: VaultRef = { subscriptionId: SUB, resourceGroup: 'rg-backup', name: 'rsv-prod-weu' };
export const dr: VaultRef = { subscriptionId: SUB, resourceGroup: 'rg-backup-neu', name: 'rsv-dr-neu' };

export interface FakeVault {
  readonly vault: VaultRef;
  readonly jobs: BackupJob[];
  readonly items: ProtectedVm[];
  /** VMs whose databases the vault protects (SQL Server, SAP HANA). */
  readonly databaseVms?: DatabaseVm[];
  /** Thrown by every call on this vault (e.g. a 403 CodedError). */
  readonly error?: Error;
  /** Fields only the job details call returns (Azure's list leaves out extendedInfo), by job id. */
  readonly details?: Readonly<Record<string, Partial<BackupJob>>>;
  /** Never answers (until aborted). */
  readonly hang?: boolean;
}

export class FakeBackupPort implements AzurePort {
  readonly calls: string[] = [];

  constructor(readonly vaults: FakeVault[], private readonly listVaultsError?: Error) {}

  private find(vault: VaultRef): FakeVault {
    const found = this.vaults.find((v) => v.vault.name === vault.name && v.vault.resourceGroup === vault.resourceGroup);
    if (!found) throw new CodedError('azure_not_found', `no vault ${vault.name}`, { status: 404 });
    return found;
  }

  private async on<T>(method: string, vault: VaultRef, signal: AbortSignal | undefined, value: (v: FakeVault) => T): Promise<T> {
    this.calls.push(`${method}:${vault.name}`);
    const v = this.find(vault);
    if (v.hang) {
      await new Promise<never>((_resolve, reject) => signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))));
    }
    if (v.error) throw v.error;
    return value(v);
  }

  listVaults: AzurePort['listVaults'] = async () => {
    this.calls.push('listVaults');
    if (this.listVaultsError) throw this.listVaultsError;
    return this.vaults.map((v) => v.vault);
  };

  listFailedBackupJobs: AzurePort['listFailedBackupJobs'] = (vault, window, o) =>
    this.on('listFailedBackupJobs', vault, o?.abortSignal, (v) =>
      v.jobs.filter((j) => j.status === 'Failed' && j.startTime !== undefined && j.startTime >= window.from && j.startTime <= window.to),
    );

  getBackupJob: AzurePort['getBackupJob'] = (vault, jobId, o) =>
    this.on('getBackupJob', vault, o?.abortSignal, (v) => {
      const job = v.jobs.find((j) => j.id === jobId);
      if (!job) throw new CodedError('azure_not_found', `no job ${jobId}`, { status: 404 });
      return { ...job, ...v.details?.[jobId] };
    });

  listProtectedVms: AzurePort['listProtectedVms'] = (vault, o) => this.on('listProtectedVms', vault, o?.abortSignal, (v) => v.items);
  listDatabaseVms: AzurePort['listDatabaseVms'] = (vault, o) => this.on('listDatabaseVms', vault, o?.abortSignal, (v) => v.databaseVms ?? []);

  triggerBackup: AzurePort['triggerBackup'] = () => this.unexpected('triggerBackup');
  getVmStatus: AzurePort['getVmStatus'] = () => this.unexpected('getVmStatus');
  listEffectiveSecurityRules: AzurePort['listEffectiveSecurityRules'] = () => this.unexpected('listEffectiveSecurityRules');
  runCommand: AzurePort['runCommand'] = () => this.unexpected('runCommand');
  deleteExtension: AzurePort['deleteExtension'] = () => this.unexpected('deleteExtension');
  listVmExtensions: AzurePort['listVmExtensions'] = () => this.unexpected('listVmExtensions');
  getWorkloadContainer: AzurePort['getWorkloadContainer'] = () => this.unexpected('getWorkloadContainer');
  listRestorePointCollections: AzurePort['listRestorePointCollections'] = () => this.unexpected('listRestorePointCollections');
  deleteRestorePointCollection: AzurePort['deleteRestorePointCollection'] = () => this.unexpected('deleteRestorePointCollection');
  listResourceGroupLocks: AzurePort['listResourceGroupLocks'] = () => this.unexpected('listResourceGroupLocks');
  deleteResourceGroupLock: AzurePort['deleteResourceGroupLock'] = () => this.unexpected('deleteResourceGroupLock');
  createResourceGroupLock: AzurePort['createResourceGroupLock'] = () => this.unexpected('createResourceGroupLock');
  listBackupInstances: AzurePort['listBackupInstances'] = () => this.unexpected('listBackupInstances');
  getBackupVaultIdentity: AzurePort['getBackupVaultIdentity'] = () => this.unexpected('getBackupVaultIdentity');
  listRoleAssignments: AzurePort['listRoleAssignments'] = () => this.unexpected('listRoleAssignments');
  getDiskEncryption: AzurePort['getDiskEncryption'] = () => this.unexpected('getDiskEncryption');
  listResourceLocks: AzurePort['listResourceLocks'] = () => this.unexpected('listResourceLocks');
  getFileShareState: AzurePort['getFileShareState'] = () => this.unexpected('getFileShareState');
  getStorageAccount: AzurePort['getStorageAccount'] = () => this.unexpected('getStorageAccount');
  getBlobRestoreSettings: AzurePort['getBlobRestoreSettings'] = () => this.unexpected('getBlobRestoreSettings');

  /** Questions only read: any other call is a bug. */
  private unexpected(method: string): never {
    throw new Error(`questions must not call ${method}`);
  }
}

let counter = 0;

export function failedJob(vault: VaultRef, vmName: string, startTime: Date, error: { message: string; numericCode?: number; recommendations?: string[] }, extra: Partial<BackupJob> = {}): BackupJob {
  counter += 1;
  return {
    id: `00000000-job0-4000-8000-${String(counter).padStart(12, '0')}`,
    vault,
    vmName,
    vmResourceGroup: `rg-${vmName}`,
    operation: 'Backup',
    status: 'Failed',
    startTime,
    endTime: new Date(startTime.getTime() + 30 * 60_000),
    errors: [{ message: error.message, recommendations: error.recommendations ?? [], ...(error.numericCode !== undefined ? { numericCode: error.numericCode } : {}) }],
    ...extra,
  };
}

export function protectedItem(vault: VaultRef, vmName: string, lastBackupStatus = 'Completed', lastBackupTime?: Date): ProtectedVm {
  return {
    vault,
    vm: { subscriptionId: vault.subscriptionId, resourceGroup: `rg-${vmName}`, name: vmName },
    friendlyName: vmName,
    containerName: `IaasVMContainer;iaasvmcontainerv2;rg-${vmName};${vmName}`,
    protectedItemName: `VM;iaasvmcontainerv2;rg-${vmName};${vmName}`,
    lastBackupStatus,
    ...(lastBackupTime ? { lastBackupTime } : {}),
  };
}

/** The 403 the SDK gateway raises (src/azure/azure-errors.ts): role and scope in the details. */
export function forbidden(vault: VaultRef): CodedError {
  const scope = `/subscriptions/${vault.subscriptionId}/resourceGroups/${vault.resourceGroup}/providers/Microsoft.RecoveryServices/vaults/${vault.name}`;
  return new CodedError('azure_forbidden', `The bot's identity needs Backup Reader on vault ${vault.name} (resource group ${vault.resourceGroup}) to list the failed backup jobs of vault ${vault.name}.`, {
    status: 403,
    azureCode: 'AuthorizationFailed',
    requiredRole: 'Backup Reader',
    scope,
    operation: 'listFailedBackupJobs',
  });
}
