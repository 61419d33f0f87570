/**
 * AzurePort: the one door from the domain to Azure. src/azure implements it over the
 * real SDK clients (pointed at the local ARM simulator in tests and the demo).
 * Failures surface as CodedError with azure_* codes (see src/core/errors.ts), with
 * details { status, azureCode, requiredRole?, scope? } so the card can say what to do.
 */

export interface VaultRef {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
}

export interface VmRef {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
}

export interface BackupJobError {
  /** The job API types this as an integer; it is not the string code. */
  readonly numericCode?: number;
  readonly message: string;
  readonly title?: string;
  readonly recommendations: readonly string[];
}

export interface BackupJob {
  readonly id: string;
  readonly vault: VaultRef;
  /** entityFriendlyName: the VM name. */
  readonly vmName: string;
  /**
   * From containerName (iaasvmcontainerv2;<rg>;<vm>) where the job has one; otherwise from the
   * sourceResourceId of the vault's one protected item of that name. Absent when two protected VMs
   * share the name: a job is never tied to a VM by its name alone.
   */
  readonly vmResourceGroup?: string;
  readonly operation: string;
  readonly status: 'InProgress' | 'Completed' | 'Failed' | 'CompletedWithWarnings' | 'Cancelled' | 'Cancelling' | 'Invalid' | string;
  readonly startTime?: Date;
  readonly endTime?: Date;
  readonly errors: readonly BackupJobError[];
  readonly dynamicErrorMessage?: string;
}

export interface ProtectedVm {
  readonly vault: VaultRef;
  readonly vm: VmRef;
  readonly friendlyName: string;
  /** Full names parsed from the protected item id, for backups.trigger. */
  readonly containerName: string;
  readonly protectedItemName: string;
  readonly protectionState?: string;
  readonly healthStatus?: string;
  readonly lastBackupStatus?: string;
  readonly lastBackupTime?: Date;
}

/**
 * A VM whose databases a vault protects (SQL Server or SAP HANA in Azure VM), found through the
 * vault's workload protected items: such a VM may have no Azure VM backup item at all.
 */
export interface DatabaseVm {
  readonly vault: VaultRef;
  readonly vm: VmRef;
  readonly workload: 'sql-server' | 'sap-hana';
}

export interface InstanceStatus {
  readonly code?: string;
  readonly level?: 'Info' | 'Warning' | 'Error' | string;
  readonly displayStatus?: string;
  readonly message?: string;
  readonly time?: Date;
}

export interface ExtensionHandlerStatus {
  readonly type: string;
  readonly typeHandlerVersion?: string;
  readonly status?: InstanceStatus;
}

export interface ExtensionStatus {
  readonly name: string;
  readonly type?: string;
  readonly typeHandlerVersion?: string;
  readonly statuses: readonly InstanceStatus[];
}

export interface VmStatus {
  readonly vm: VmRef;
  readonly id: string;
  readonly osType?: 'Windows' | 'Linux';
  readonly location?: string;
  /** e.g. "PowerState/running", "PowerState/deallocated". */
  readonly powerState?: string;
  /** e.g. "ProvisioningState/succeeded". */
  readonly provisioningState?: string;
  readonly agentVersion?: string;
  readonly agentStatuses: readonly InstanceStatus[];
  readonly extensionHandlers: readonly ExtensionHandlerStatus[];
  readonly extensions: readonly ExtensionStatus[];
  readonly networkInterfaceIds: readonly string[];
}

export interface EffectiveSecurityRule {
  readonly name: string;
  readonly direction: 'Inbound' | 'Outbound';
  readonly access: 'Allow' | 'Deny';
  readonly priority: number;
  readonly protocol?: string;
  readonly destinationPortRanges: readonly string[];
  readonly destinationAddressPrefixes: readonly string[];
  readonly expandedDestinationAddressPrefix: readonly string[];
}

export interface RestorePointCollection {
  readonly id: string;
  readonly name: string;
  readonly resourceGroup: string;
  readonly subscriptionId: string;
  /** The VM the collection was made from (ARM `source.id`); absent on some old collections. */
  readonly sourceVmId?: string;
  readonly restorePointCount: number;
  readonly location?: string;
  /**
   * How the collection was tied to the VM: its `source.id` equals the VM's ARM id, or, only when it
   * records no source, its exact `AzureBackup_<vm>_<n>` name in the VM's region.
   */
  readonly matchedBy?: 'source' | 'name-only';
  /** Name-only matches: other VMs of the same name in the subscription and region, which may own it as well. */
  readonly sameNameVmIds?: readonly string[];
}

export interface ResourceLock {
  readonly id: string;
  readonly name: string;
  readonly level: 'CanNotDelete' | 'ReadOnly' | 'NotSpecified' | string;
  readonly notes?: string;
  /** The scope the lock is defined at (locks listed at a resource group include inherited ones). */
  readonly scope: string;
}

export interface RunCommandOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/** A VM extension as the extensions API reports it (the instance view omits the provisioning state). */
export interface VmExtension {
  readonly name: string;
  readonly publisher?: string;
  /** The extension type without its publisher, e.g. AzureBackupWindowsWorkload. */
  readonly type?: string;
  readonly typeHandlerVersion?: string;
  /** e.g. Succeeded, Failed, Updating. */
  readonly provisioningState?: string;
}

/** The vault's protection container for a VM's databases (SQL Server or SAP HANA): the VM's registration with the vault. */
export interface WorkloadContainer {
  /** VMAppContainer;Compute;<rg>;<vm> */
  readonly name: string;
  /** e.g. Registered, Registering, NotRegistered. */
  readonly registrationStatus?: string;
  /** e.g. Healthy, Unhealthy. */
  readonly healthStatus?: string;
}

/**
 * A datasource a Backup vault (Microsoft.DataProtection) protects, as its backup instance records it:
 * an Azure Disk, or a storage account whose blobs are backed up.
 */
export interface BackupInstance {
  readonly id: string;
  readonly name: string;
  /** The Backup vault holding the instance (a Backup vault, not a Recovery Services vault). */
  readonly vault: VaultRef;
  /** dataSourceInfo.resourceID: the disk's or the storage account's ARM id. */
  readonly datasourceId: string;
  /** dataSourceInfo.datasourceType, e.g. Microsoft.Compute/disks, Microsoft.Storage/storageAccounts/blobServices. */
  readonly datasourceType?: string;
  /** policyInfo.policyParameters.dataStoreParametersList[].resourceGroupId of the operational store: where disk snapshots are kept. */
  readonly snapshotResourceGroupIds: readonly string[];
  /** identityDetails.userAssignedIdentityArmUrl when the instance runs as a user-assigned identity instead of the vault's system-assigned one. */
  readonly userAssignedIdentityId?: string;
}

/** How a managed disk is encrypted at rest (ARM `properties.encryption`). */
export interface DiskEncryption {
  /** e.g. EncryptionAtRestWithPlatformKey, EncryptionAtRestWithCustomerKey, EncryptionAtRestWithPlatformAndCustomerKeys. */
  readonly type?: string;
  /** The disk encryption set holding the customer-managed key, when there is one. */
  readonly diskEncryptionSetId?: string;
}

/** A Backup vault's managed identities (ARM `identity`). */
export interface BackupVaultIdentity {
  /** e.g. SystemAssigned, UserAssigned, "SystemAssigned,UserAssigned", None. */
  readonly type?: string;
  /** The system-assigned identity's object id. */
  readonly principalId?: string;
  /** User-assigned identities by their ARM id, lower-cased. */
  readonly userAssigned: Readonly<Record<string, { readonly principalId?: string }>>;
}

/** A role assignment that applies at a scope (assigned there or inherited from above). */
export interface RoleAssignment {
  readonly id: string;
  /** The role definition's GUID, lower-cased (built-in roles have the same GUID in every subscription). */
  readonly roleDefinitionGuid: string;
  /** Where the role is assigned: the scope itself or one above it. */
  readonly scope: string;
  readonly principalId: string;
}

/** A file share by its name in a storage account, as the share list with deleted shares and snapshots shows it. */
export interface FileShareState {
  /** A share of that name exists (not deleted). */
  readonly live: boolean;
  /** Soft-deleted versions of a share of that name, still restorable. */
  readonly softDeleted: readonly { readonly version?: string; readonly deletedTime?: Date; readonly remainingRetentionDays?: number }[];
  /** Snapshots of the live share (Azure Backup's included). */
  readonly snapshotCount: number;
}

/** What a storage account is (ARM storageAccounts getProperties): what blob backup supports depends on it. */
export interface StorageAccountInfo {
  /** e.g. StorageV2, Storage, BlobStorage, BlockBlobStorage, FileStorage. */
  readonly kind?: string;
  /** e.g. Standard_LRS, Premium_LRS. */
  readonly sku?: string;
  /** Hierarchical namespace (Data Lake Storage Gen2). */
  readonly hierarchicalNamespace: boolean;
}

/** The blob service's point-in-time restore and what it is built on (ARM blobServices getServiceProperties). */
export interface BlobRestoreSettings {
  readonly pointInTimeRestore: boolean;
  readonly restoreDays?: number;
  readonly versioning: boolean;
  readonly changeFeed: boolean;
  readonly blobSoftDelete: boolean;
}

export interface CallOptions {
  readonly abortSignal?: AbortSignal;
}

export interface ListVaultsOptions extends CallOptions {
  /**
   * A subscription whose vaults could not be listed while others could (no role there, an outage):
   * the listing goes on without it and says so here. When none could be listed, the call fails.
   */
  readonly onUnreadableSubscription?: (subscriptionId: string, error: unknown) => void;
}

export interface AzurePort {
  listVaults(options?: ListVaultsOptions): Promise<VaultRef[]>;
  listFailedBackupJobs(vault: VaultRef, window: { from: Date; to: Date }, options?: CallOptions): Promise<BackupJob[]>;
  getBackupJob(vault: VaultRef, jobId: string, options?: CallOptions): Promise<BackupJob>;
  listProtectedVms(vault: VaultRef, options?: CallOptions): Promise<ProtectedVm[]>;
  /** The VMs whose SQL Server or SAP HANA databases the vault protects, one entry per VM and workload. */
  listDatabaseVms(vault: VaultRef, options?: CallOptions): Promise<DatabaseVm[]>;
  /** Triggers an on-demand backup and follows the operation to the new job id. */
  triggerBackup(item: ProtectedVm, options?: CallOptions): Promise<{ jobId: string }>;
  getVmStatus(vm: VmRef, options?: CallOptions): Promise<VmStatus>;
  listEffectiveSecurityRules(vm: VmRef, options?: CallOptions): Promise<EffectiveSecurityRule[]>;
  runCommand(vm: VmRef, command: { os: 'Windows' | 'Linux'; script: readonly string[] }, options?: CallOptions): Promise<RunCommandOutput>;
  deleteExtension(vm: VmRef, extensionName: string, options?: CallOptions): Promise<void>;
  listVmExtensions(vm: VmRef, options?: CallOptions): Promise<VmExtension[]>;
  /** The VM's workload container in the vault; undefined when the VM is not registered there for database backup. */
  getWorkloadContainer(vault: VaultRef, vm: VmRef, options?: CallOptions): Promise<WorkloadContainer | undefined>;
  /** This VM's collections across the subscription: `source.id` is the VM; a collection without a source only by its exact AzureBackup_<vm>_<n> name in the VM's region. */
  listRestorePointCollections(vm: VmRef, options?: CallOptions): Promise<RestorePointCollection[]>;
  deleteRestorePointCollection(collection: RestorePointCollection, options?: CallOptions): Promise<void>;
  listResourceGroupLocks(subscriptionId: string, resourceGroup: string, options?: CallOptions): Promise<ResourceLock[]>;
  deleteResourceGroupLock(subscriptionId: string, resourceGroup: string, lockName: string, options?: CallOptions): Promise<void>;
  createResourceGroupLock(subscriptionId: string, resourceGroup: string, lock: { name: string; level: string; notes?: string }, options?: CallOptions): Promise<ResourceLock>;
  /** Locks that apply to a resource (a storage account) by its ARM id: its own and those inherited from its resource group and subscription. */
  listResourceLocks(resourceId: string, options?: CallOptions): Promise<ResourceLock[]>;
  /** A file share of a storage account (by the account's ARM id): whether it is live or soft-deleted, and how many snapshots it has. */
  getFileShareState(storageAccountId: string, shareName: string, options?: CallOptions): Promise<FileShareState>;
  /** A storage account's kind, SKU and hierarchical namespace, by its ARM id; azure_not_found when it is gone. */
  getStorageAccount(storageAccountId: string, options?: CallOptions): Promise<StorageAccountInfo>;
  /** The storage account's blob service settings that operational blob backup needs. */
  getBlobRestoreSettings(storageAccountId: string, options?: CallOptions): Promise<BlobRestoreSettings>;
  /** The Backup vault's backup instances whose datasource has this name (a disk or a storage account): at most a few. */
  listBackupInstances(vault: VaultRef, datasourceName: string, options?: CallOptions): Promise<BackupInstance[]>;
  /** The Backup vault's managed identities; undefined when the bot cannot see the vault. */
  getBackupVaultIdentity(vault: VaultRef, options?: CallOptions): Promise<BackupVaultIdentity | undefined>;
  /** The disk's encryption at rest (its disk encryption set, if any), by the disk's ARM id. */
  getDiskEncryption(diskId: string, options?: CallOptions): Promise<DiskEncryption>;
  /** Role assignments of the principal that apply at the scope, inherited ones included. */
  listRoleAssignments(scope: string, principalId: string, options?: CallOptions): Promise<RoleAssignment[]>;
}
