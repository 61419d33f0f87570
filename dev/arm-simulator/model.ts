import type { ClearingOperation, ScenarioFault, ScenarioSecurityRule } from './scenario';

/** The simulator's live, mutable model of the resources a scenario describes. */

export interface SimExtension {
  name: string;
  type: string;
  typeHandlerVersion: string;
  status: 'succeeded' | 'failed' | 'transitioning';
  message?: string;
}

export interface SimNic {
  readonly id: string;
  readonly name: string;
  readonly resourceGroup: string;
  readonly networkSecurityGroup?: string;
  readonly includeDefaultRules: boolean;
  effectiveRules: ScenarioSecurityRule[];
}

export interface SimFault extends ScenarioFault {
  cleared: boolean;
}

export interface SimVm {
  readonly id: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  readonly osType: 'Windows' | 'Linux';
  readonly osName?: string;
  readonly location: string;
  readonly vmSize: string;
  readonly vmId: string;
  powerState: string;
  provisioningState: string;
  agent: { status: 'Ready' | 'NotReady' | 'Unknown'; version: string; message?: string };
  extensions: SimExtension[];
  nics: SimNic[];
  guest: { waagentConf: Record<string, string>; dhcpEnabled: boolean };
  faults: SimFault[];
  /** Operations that ran on this VM, for tests and for faults cleared by them. */
  history: ClearingOperation[];
}

export interface SimResourceGroup {
  readonly id: string;
  readonly subscriptionId: string;
  readonly name: string;
  readonly location: string;
}

export interface SimLock {
  readonly id: string;
  /** /subscriptions/{s} or /subscriptions/{s}/resourceGroups/{rg}. */
  readonly scope: string;
  readonly name: string;
  level: 'CanNotDelete' | 'ReadOnly';
  notes?: string;
}

export interface SimRestorePointCollection {
  readonly id: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  readonly location: string;
  /** Absent for a collection that records no source (ARM then returns no `source.id`). */
  readonly sourceVmId?: string;
  readonly restorePointCollectionId: string;
  restorePointCount: number;
}

export interface SimProtectedItem {
  readonly vmId: string;
  readonly vmName: string;
  readonly vmResourceGroup: string;
  /** IaasVMContainer;iaasvmcontainerv2;<rg>;<vm> */
  readonly containerName: string;
  /** VM;iaasvmcontainerv2;<rg>;<vm> */
  readonly name: string;
  readonly policyName: string;
  protectionState: string;
  healthStatus: string;
  lastBackupStatus?: string;
  lastBackupTime?: Date;
}

export interface SimWorkloadContainer {
  /** VMAppContainer;Compute;<rg>;<vm> */
  readonly name: string;
  readonly vmId: string;
  readonly vmName: string;
  registrationStatus: string;
  healthStatus: string;
  readonly workloadType: 'SQLDataBase' | 'SAPHanaDatabase';
  /** Protected databases, e.g. "SalesDb". */
  readonly databases: readonly string[];
}

export interface SimJobError {
  /** The code's name (UserErrorGuestAgentStatusUnavailable), as Log Analytics' JobFailureCode carries it. */
  code?: string;
  errorCode: number;
  errorString: string;
  errorTitle: string;
  recommendations: string[];
}

export interface SimJob {
  readonly id: string;
  readonly vaultId: string;
  readonly vmName: string;
  readonly vmResourceGroup: string;
  readonly operation: string;
  readonly jobType: string;
  readonly isUserTriggered: boolean;
  readonly startTime: Date;
  status: string;
  endTime?: Date;
  duration?: string;
  actionsInfo: number[];
  error?: SimJobError;
  dynamicErrorMessage?: string;
  /** Set while a triggered job runs: when it is due to finish. */
  completesAt?: number;
}

export interface SimVault {
  readonly id: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  readonly location: string;
  readonly items: SimProtectedItem[];
  readonly containers: SimWorkloadContainer[];
  readonly jobs: SimJob[];
}

export interface SimBackupInstance {
  readonly id: string;
  readonly name: string;
  readonly datasourceId: string;
  readonly datasourceName: string;
  /** Microsoft.Compute/disks or Microsoft.Storage/storageAccounts/blobServices. */
  readonly datasourceType: string;
  readonly snapshotResourceGroupId?: string;
}

/** A Backup vault (Microsoft.DataProtection/backupVaults). */
export interface SimBackupVault {
  readonly id: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  readonly location: string;
  readonly principalId?: string;
  readonly instances: SimBackupInstance[];
}

export interface SimDisk {
  readonly id: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  readonly location: string;
  readonly diskEncryptionSetId?: string;
}

/** A storage account (Microsoft.Storage/storageAccounts): what the blob and file share checks read of it. */
export interface SimStorageAccount {
  readonly id: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  readonly location: string;
  readonly kind: string;
  readonly sku: string;
  readonly hierarchicalNamespace: boolean;
  readonly pointInTimeRestore: boolean;
  readonly fileShares: readonly SimFileShare[];
}

export interface SimFileShare {
  readonly name: string;
  /** Soft-deleted: listed only with $expand=deleted, as a deleted version. */
  readonly softDeleted: boolean;
  readonly snapshots: number;
}

export interface SimRoleAssignment {
  readonly id: string;
  readonly scope: string;
  readonly principalId: string;
  readonly roleDefinitionGuid: string;
}

export interface SimSubscription {
  readonly id: string;
  readonly displayName: string;
}

export interface SimAsyncOperation {
  readonly id: string;
  readonly startTime: Date;
  pollsLeft: number;
  outcome: { status: 'Succeeded' } | { status: 'Failed'; code: string; message: string };
  /** Body served at the Location URL once the operation has ended (runCommand result). */
  result?: unknown;
  /** Trigger backup: the job the operation created. */
  jobId?: string;
}

export interface SimDenial {
  readonly scope: string;
  readonly actions: readonly string[];
}
