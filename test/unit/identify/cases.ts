import type { MatchKind } from '../../../src/core/identify';

/**
 * The identification table: what a user pastes and which code the bot must answer with.
 * `top: null` means the bot must say it does not know (no candidate at or above CONFIDENT).
 */
export interface IdentifyCase {
  readonly name: string;
  readonly input: string;
  readonly top: string | null;
  /** Other codes that must also be confident (several codes in one paste, or one message under two codes). */
  readonly alsoConfident?: readonly string[];
  readonly matchedBy?: MatchKind;
  readonly language?: 'en' | 'pl';
}

/**
 * How far from the line every table case must pass: an answer at least this much above CONFIDENT, anything that
 * must not be an answer at least this much below it, so that a small shift in word weights (a new code's
 * messages) shows up as a failing case instead of a silent flip.
 */
export const TABLE_MARGIN = 0.02;

/** A failed AzureIaaSVMJob as `az backup job show` prints it (alert-payloads.md 3d). */
export function failedJobJson(errorString: string, options: { errorCode?: number; dynamic?: string; workload?: 'azure-vm' | 'azure-files' } = {}): string {
  if (options.workload === 'azure-files') return failedFileShareJobJson(errorString, options.errorCode);
  return JSON.stringify(
    {
      id: '/Subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-vault/providers/Microsoft.RecoveryServices/vaults/vault-prod/backupJobs/6b1e0c2a-7a31-4d2b-9d5e-3f0c2e1d9a11',
      name: '6b1e0c2a-7a31-4d2b-9d5e-3f0c2e1d9a11',
      type: 'Microsoft.RecoveryServices/vaults/backupJobs',
      properties: {
        jobType: 'AzureIaaSVMJob',
        duration: 'PT31M4.5S',
        actionsInfo: [2],
        errorDetails: [{ errorCode: options.errorCode ?? 400000, errorTitle: '', errorString, recommendations: ['Please refer to the troubleshooting guide.'] }],
        virtualMachineVersion: 'Compute',
        extendedInfo: {
          tasksList: [
            { taskId: 'Take Snapshot', status: 'Failed', duration: 'PT31M' },
            { taskId: 'Transfer data to vault', status: 'Cancelled', duration: 'PT0S' },
          ],
          propertyBag: { 'VM Name': 'vm-prod-01', 'Backup Size': '0 MB' },
          dynamicErrorMessage: options.dynamic ?? errorString,
        },
        containerName: 'iaasvmcontainerv2;rg-app;vm-prod-01',
        isUserTriggered: false,
        entityFriendlyName: 'vm-prod-01',
        backupManagementType: 'AzureIaasVM',
        operation: 'Backup',
        status: 'Failed',
        startTime: '2025-01-01T02:00:00Z',
        endTime: '2025-01-01T02:31:04.5Z',
        activityId: '2f0d7c55-3d6a-4bb4-a0f4-07b8e2a1c0de',
      },
    },
    null,
    2,
  );
}

/** A failed Azure Files job (AzureStorageJob): no VM, the share's name and the storage account instead. */
function failedFileShareJobJson(errorString: string, errorCode = 400000): string {
  return JSON.stringify(
    {
      id: '/Subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-vault/providers/Microsoft.RecoveryServices/vaults/vault-prod/backupJobs/0c5f3a41-2d7e-4b8a-9f61-7e2d4c1b8a90',
      name: '0c5f3a41-2d7e-4b8a-9f61-7e2d4c1b8a90',
      type: 'Microsoft.RecoveryServices/vaults/backupJobs',
      properties: {
        jobType: 'AzureStorageJob',
        duration: 'PT1M12S',
        storageAccountName: 'stfiles01',
        storageAccountVersion: 'Storage',
        errorDetails: [{ errorCode, errorString, recommendations: ['Please refer to the troubleshooting guide.'] }],
        entityFriendlyName: 'share01',
        backupManagementType: 'AzureStorage',
        operation: 'Backup',
        status: 'Failed',
        startTime: '2025-01-01T02:00:00Z',
        endTime: '2025-01-01T02:01:12Z',
        activityId: '5d1c2b7e-8f3a-4e6d-b2c1-9a7e3f0d4c21',
      },
    },
    null,
    2,
  );
}

/** An Azure Monitor "Backup Failure" alert in the common schema (alert-payloads.md 1a/1b). */
export function alertJson(options: { description: string; originSuffix: string; akaCode: string; workload?: 'sql' | 'vm' }): string {
  const sql = options.workload === 'sql';
  return JSON.stringify({
    schemaId: 'azureMonitorCommonAlertSchema',
    data: {
      essentials: {
        region: 'westeurope',
        alertId: '/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.AlertsManagement/alerts/9a1f7c3e-2d4b-4c55-8e61-0b2f3a4c5d6e',
        severity: 'Sev1',
        alertRule: 'Backup Failure',
        signalType: 'Log',
        description: options.description,
        firedDateTime: '2026-03-13T11:56:13.9392346Z',
        originAlertId: `2516288980568183370_0_46882796573241193411846827691315511505${options.originSuffix}`,
        alertTargetIDs: ['/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg-vault/providers/microsoft.recoveryservices/vaults/vault-prod'],
        monitorCondition: 'Fired',
        essentialsVersion: '1.0',
        monitoringService: 'Azure Backup',
        configurationItems: ['vault-prod'],
        targetResourceType: 'microsoft.recoveryservices/vaults',
        alertContextVersion: '1.0',
        targetResourceGroup: 'rg-vault',
      },
      alertContext: {
        category: 'Jobs',
        sourceId: sql
          ? '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/sql-01/providers/Microsoft.RecoveryServices/backupProtectedItem/SQLDataBase;MSSQLSERVER;sales'
          : '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-prod-01',
        sourceType: sql ? 'SQLDataBase' : 'VM',
        extendedInfo: {
          jobId: '6b1e0c2a-7a31-4d2b-9d5e-3f0c2e1d9a11',
          possibleCauses: null,
          occurrenceCount: 1,
          recommendedActions: sql
            ? `In case of a scheduled backup, ignore this error as a full backup will be triggered automatically by the service. However, if you want to take an ad-hoc backup right now, trigger a full backup first to fix this issue. For troubleshooting instructions, see https://aka.ms/AB-${options.akaCode}`
            : `For troubleshooting instructions, see https://aka.ms/AB-${options.akaCode}`,
        },
        protectedItemId: sql
          ? '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-vault/providers/Microsoft.RecoveryServices/vaults/vault-prod/backupFabrics/Azure/protectionContainers/VMAppContainer;Compute;rg-app;sql-01/protectedItems/SQLDataBase;MSSQLSERVER;sales'
          : '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-vault/providers/Microsoft.RecoveryServices/vaults/vault-prod/backupFabrics/Azure/protectionContainers/IaasVMContainer;iaasvmcontainerv2;rg-app;vm-prod-01/protectedItems/VM;iaasvmcontainerv2;rg-app;vm-prod-01',
        linkedResourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-prod-01',
        alertVersionNumber: 'V2020_10',
        linkedResourceName: 'vm-prod-01',
        formattedSourceType: sql ? 'AzureVmSQL' : 'AzureVM',
      },
      customProperties: null,
    },
  });
}

const LOREM =
  'The quarterly report is attached. Please review the figures for the north region before the meeting on Thursday, and let me know whether the ' +
  'marketing budget should move to the second half. The office will be closed on Friday for maintenance of the heating system. ';

export const seedCases: readonly IdentifyCase[] = [
  // UserErrorGuestAgentStatusUnavailable
  { name: 'seed 1 code', input: 'UserErrorGuestAgentStatusUnavailable', top: 'UserErrorGuestAgentStatusUnavailable', matchedBy: 'code' },
  { name: 'seed 1 code lower-case with mention', input: '@Backup Doctor usererrorguestagentstatusunavailable', top: 'UserErrorGuestAgentStatusUnavailable', matchedBy: 'code' },
  { name: 'seed 1 typo', input: 'UserErrorGuestAgentStatusUnavailabe', top: 'UserErrorGuestAgentStatusUnavailable', matchedBy: 'near-miss' },
  { name: 'seed 1 two typos', input: 'UserErorGuestAgentStatusUnavialable', top: 'UserErrorGuestAgentStatusUnavailable', matchedBy: 'near-miss' },
  { name: 'seed 1 English message', input: 'VM Agent unable to communicate with Azure Backup', top: 'UserErrorGuestAgentStatusUnavailable', matchedBy: 'message', language: 'en' },
  { name: 'seed 1 Polish seed message', input: 'Nie można nawiązać komunikacji z usługą Azure Backup agent maszyny Wirtualnej', top: 'UserErrorGuestAgentStatusUnavailable', matchedBy: 'message', language: 'pl' },
  { name: 'seed 1 Polish without diacritics', input: 'nie mozna nawiazac komunikacji z usluga azure backup agent maszyny wirtualnej', top: 'UserErrorGuestAgentStatusUnavailable', language: 'pl' },
  { name: 'seed 1 Polish quoted as in the article', input: 'Komunikat o błędzie: "Nie można nawiązać komunikacji z usługą Azure Backup Agent maszyny Wirtualnej"', top: 'UserErrorGuestAgentStatusUnavailable', language: 'pl' },
  { name: 'seed 1 English reordered, no punctuation', input: 'azure backup: the vm agent is unable to communicate', top: 'UserErrorGuestAgentStatusUnavailable' },
  { name: 'seed 1 in a sentence', input: 'Hi team, last night the backup of vm-prod-01 failed: VM Agent unable to communicate with Azure Backup. Any idea?', top: 'UserErrorGuestAgentStatusUnavailable' },
  { name: 'seed 1 aka.ms link', input: 'see https://aka.ms/AB-usererrorguestagentstatusunavailable for details', top: 'UserErrorGuestAgentStatusUnavailable', matchedBy: 'code' },
  { name: 'seed 1 originAlertId alone', input: '2516288980568183370_0_46882796573241193411846827691315511505azureiaasvmusererrorguestagentstatusunavailablelog', top: 'UserErrorGuestAgentStatusUnavailable', matchedBy: 'code' },
  { name: 'seed 1 failed job JSON', input: failedJobJson('VM Agent unable to communicate with Azure Backup'), top: 'UserErrorGuestAgentStatusUnavailable', matchedBy: 'message' },
  {
    name: 'seed 1 alert JSON (1b)',
    input: alertJson({ description: 'VM Agent unable to communicate with Azure Backup', originSuffix: 'azureiaasvmusererrorguestagentstatusunavailablelog', akaCode: 'usererrorguestagentstatusunavailable' }),
    top: 'UserErrorGuestAgentStatusUnavailable',
  },
  { name: 'seed 1 code in noise', input: `${LOREM}Error code: "UserErrorGuestAgentStatusUnavailable" ${LOREM}`, top: 'UserErrorGuestAgentStatusUnavailable' },

  // ExtensionSnapshotFailedNoNetwork
  { name: 'seed 2 code', input: 'ExtensionSnapshotFailedNoNetwork', top: 'ExtensionSnapshotFailedNoNetwork', matchedBy: 'code' },
  { name: 'seed 2 typo', input: 'ExtensionSnaphsotFailedNoNetwork', top: 'ExtensionSnapshotFailedNoNetwork', matchedBy: 'near-miss' },
  { name: 'seed 2 English message', input: 'Snapshot operation failed due to no network connectivity on the virtual machine', top: 'ExtensionSnapshotFailedNoNetwork', language: 'en' },
  { name: 'seed 2 Polish seed message', input: 'Migawki: operacja nie powiodła się z powodu braku łączności z siecią na maszynie wirtualnej', top: 'ExtensionSnapshotFailedNoNetwork', language: 'pl' },
  { name: 'seed 2 Polish without diacritics', input: 'Migawki: operacja nie powiodla sie z powodu braku lacznosci z siecia na maszynie wirtualnej', top: 'ExtensionSnapshotFailedNoNetwork', language: 'pl' },
  { name: 'seed 2 partial English', input: 'snapshot failed, no network connectivity on the VM', top: 'ExtensionSnapshotFailedNoNetwork' },
  { name: 'seed 2 failed job JSON', input: failedJobJson('Snapshot operation failed due to no network connectivity on the virtual machine'), top: 'ExtensionSnapshotFailedNoNetwork' },
  { name: 'seed 2 aka.ms link upper-case', input: 'HTTPS://AKA.MS/AB-EXTENSIONSNAPSHOTFAILEDNONETWORK', top: 'ExtensionSnapshotFailedNoNetwork', matchedBy: 'code' },

  // ExtentionOperationFailed / ExtensionOperationFailedForManagedDisks
  { name: 'seed 3 old misspelled code', input: 'ExtentionOperationFailed', top: 'ExtensionOperationFailedForManagedDisks', matchedBy: 'alias' },
  { name: 'seed 3 current code', input: 'ExtensionOperationFailedForManagedDisks', top: 'ExtensionOperationFailedForManagedDisks', matchedBy: 'code' },
  { name: 'seed 3 current code typo', input: 'ExtensionOperationFailedForManagedDisk', top: 'ExtensionOperationFailedForManagedDisks', matchedBy: 'near-miss' },
  { name: 'seed 3 English message', input: 'VMSnapshot extension operation failed', top: 'ExtensionOperationFailedForManagedDisks', language: 'en' },
  { name: 'seed 3 Polish seed message', input: 'Operacja rozszerzenia VMSnapshot nie powiodła się.', top: 'ExtensionOperationFailedForManagedDisks', language: 'pl' },
  { name: 'seed 3 Polish without diacritics, reordered', input: 'rozszerzenie vmsnapshot: operacja nie powiodla sie', top: 'ExtensionOperationFailedForManagedDisks', language: 'pl' },
  { name: 'seed 3 failed job JSON', input: failedJobJson('VMSnapshot extension operation failed'), top: 'ExtensionOperationFailedForManagedDisks' },
  { name: 'seed 3 quoted in a question', input: 'Why do I get "ExtentionOperationFailed" on my Windows VM every night?', top: 'ExtensionOperationFailedForManagedDisks' },

  // GuestAgentSnapshotTaskStatusError
  { name: 'seed 4 code', input: 'GuestAgentSnapshotTaskStatusError', top: 'GuestAgentSnapshotTaskStatusError', matchedBy: 'code' },
  { name: 'seed 4 typo (swap)', input: 'GuestAgentSnapshotTaksStatusError', top: 'GuestAgentSnapshotTaskStatusError', matchedBy: 'near-miss' },
  { name: 'seed 4 English message', input: 'Could not communicate with the VM agent for snapshot status', top: 'GuestAgentSnapshotTaskStatusError', language: 'en' },
  { name: 'seed 4 Polish seed message', input: 'Nie można nawiązać komunikacji z agentem maszyny Wirtualnej w celu uzyskania stanu migawki', top: 'GuestAgentSnapshotTaskStatusError', language: 'pl' },
  { name: 'seed 4 Polish without diacritics', input: 'Nie mozna nawiazac komunikacji z agentem maszyny wirtualnej w celu uzyskania stanu migawki', top: 'GuestAgentSnapshotTaskStatusError', language: 'pl' },
  { name: 'seed 4 English missing words', input: 'could not communicate with VM agent snapshot status', top: 'GuestAgentSnapshotTaskStatusError' },
  { name: 'seed 4 failed job JSON', input: failedJobJson('Could not communicate with the VM agent for snapshot status'), top: 'GuestAgentSnapshotTaskStatusError' },

  // BackUpOperationFailed / BackUpOperationFailedV2
  { name: 'seed 5 code', input: 'BackUpOperationFailed', top: 'BackUpOperationFailed', matchedBy: 'code' },
  { name: 'seed 5 code lower-case', input: 'backupoperationfailed', top: 'BackUpOperationFailed', matchedBy: 'code' },
  { name: 'seed 5 typo', input: 'BackupOperationFialed', top: 'BackUpOperationFailed', matchedBy: 'near-miss' },
  { name: 'seed 5 V2 code', input: 'BackUpOperationFailedV2', top: 'BackUpOperationFailedV2', matchedBy: 'code' },
  { name: 'seed 5 V2 code lower-case in a link', input: 'https://aka.ms/AB-backupoperationfailedv2', top: 'BackUpOperationFailedV2', matchedBy: 'code' },
  { name: 'seed 5 English message (both codes)', input: 'Backup failed with an internal error - Please retry the operation in a few minutes', top: 'BackUpOperationFailed', alsoConfident: ['BackUpOperationFailedV2'], language: 'en' },
  { name: 'seed 5 Polish seed message', input: 'kopii zapasowej nie powiodło się z powodu błędu wewnętrznego — ponów próbę operacji za kilka minut', top: 'BackUpOperationFailed', alsoConfident: ['BackUpOperationFailedV2'], language: 'pl' },
  { name: 'seed 5 Polish without diacritics', input: 'kopii zapasowej nie powiodlo sie z powodu bledu wewnetrznego - ponow probe operacji za kilka minut', top: 'BackUpOperationFailed', alsoConfident: ['BackUpOperationFailedV2'], language: 'pl' },
  { name: 'seed 5 English partial', input: 'backup failed with an internal error, retry in a few minutes?', top: 'BackUpOperationFailed' },
  { name: 'seed 5 V2 policy migration message', input: 'The backups of VMs have failed after the policy migration from Standard to Enhanced policy.', top: 'BackUpOperationFailedV2', language: 'en' },
  { name: 'seed 5 failed job JSON', input: failedJobJson('Backup failed with an internal error - Please retry the operation in a few minutes'), top: 'BackUpOperationFailed', alsoConfident: ['BackUpOperationFailedV2'] },
  { name: 'seed 5 V2 code and message', input: 'BackUpOperationFailedV2 - Backup failed with an internal error - Please retry the operation in a few minutes', top: 'BackUpOperationFailedV2' },
];

export const mixedCases: readonly IdentifyCase[] = [
  { name: 'several codes in one paste', input: 'vm1: ExtensionSnapshotFailedNoNetwork\nvm2: GuestAgentSnapshotTaskStatusError', top: 'ExtensionSnapshotFailedNoNetwork', alsoConfident: ['GuestAgentSnapshotTaskStatusError'] },
  {
    name: 'several messages in one paste',
    input: 'Job 1: VM Agent unable to communicate with Azure Backup\nJob 2: VMSnapshot extension operation failed',
    top: 'UserErrorGuestAgentStatusUnavailable',
    alsoConfident: ['ExtensionOperationFailedForManagedDisks'],
  },
  { name: 'code and message of different codes', input: 'BackUpOperationFailed, and on the other VM: Could not communicate with the VM agent for snapshot status', top: 'BackUpOperationFailed', alsoConfident: ['GuestAgentSnapshotTaskStatusError'] },
  { name: 'code in a Polish question', input: 'Cześć, co zrobić z błędem UserErrorGuestAgentStatusUnavailable na maszynie?', top: 'UserErrorGuestAgentStatusUnavailable', language: 'pl' },
  { name: 'JSON-escaped Polish message', input: '{"errorString": "Nie mo\\u017cna nawi\\u0105za\\u0107 komunikacji z agentem maszyny Wirtualnej w celu uzyskania stanu migawki"}', top: 'GuestAgentSnapshotTaskStatusError', language: 'pl' },
  { name: 'message only in dynamicErrorMessage', input: failedJobJson('', { dynamic: 'Snapshot operation failed due to no network connectivity on the virtual machine' }), top: 'ExtensionSnapshotFailedNoNetwork' },
  { name: 'code glued into a token with a long id', input: 'originAlertId=9988776655443322110_1_azurevmextensionsnapshotfailednonetworklog', top: 'ExtensionSnapshotFailedNoNetwork', matchedBy: 'code' },
];

/** Codes beyond the seed, from the current and the general guidance, by their English message. */
export const catalogueMessageCases: readonly IdentifyCase[] = [
  { name: 'provisioning state failed', input: 'The VM is in failed provisioning state', top: 'UserErrorVmProvisioningStateFailed' },
  { name: 'restore point collection limit', input: 'The Restore Point collection max limit has reached.', top: 'UserErrorRpCollectionLimitReached' },
  { name: 'key vault permissions', input: "Backup doesn't have sufficient permissions to the key vault for backup of encrypted VMs.", top: 'UserErrorKeyvaultPermissionsNotConfigured' },
  { name: 'unsupported disk size', input: 'The configured disk size(s) is currently not supported by Azure Backup.', top: 'UserErrorUnsupportedDiskSize' },
  { name: 'backup already in progress', input: 'Unable to initiate backup as another backup operation is currently in progress', top: 'UserErrorBackupOperationInProgress' },
  { name: 'CRP reported user error', input: 'Backup failed due to an error. For details, see Job Error Message Details.', top: 'UserErrorCrpReportedUserError' },
  { name: 'datasource not protected', input: 'Backup failed: This virtual machine is not (actively) protected by Azure Backup.', top: 'UserErrorBcmDatasourceNotPresent' },
  { name: 'copying from vault timed out', input: 'Copying backed up data from vault timed out', top: 'CopyingVHDsFromBackUpVaultTakingLongTime' },
  { name: 'VM not in desirable state', input: 'VM is not in a state that allows backups.', top: 'UserErrorVmNotInDesirableState' },
  { name: 'fs freeze failed', input: 'Failed to freeze one or more mount-points of the VM to take a file-system consistent snapshot.', top: 'UserErrorFsFreezeFailed' },
  { name: 'COM+ snapshot error', input: 'Snapshot operation failed due to COM+ error', top: 'ExtensionSnapshotFailedCOM' },
  { name: 'COM+ installation error', input: 'Extension installation/operation failed due to a COM+ error', top: 'ExtensionInstallationFailedCOM' },
  { name: 'MSDTC error', input: 'Extension installation failed with the error "COM+ was unable to talk to the Microsoft Distributed Transaction Coordinator', top: 'ExtensionInstallationFailedMDTC' },
  { name: 'VSS writers bad state', input: 'Snapshot operation failed because VSS writers were in a bad state.', top: 'ExtensionFailedVssWriterInBadState' },
  { name: 'VSS service bad state', input: 'Snapshot operation failed due to VSS (Volume Shadow Copy) service in bad state.', top: 'ExtensionFailedVssServiceInBadState' },
  { name: 'config parsing failure', input: 'Failure in parsing the config for the backup extension.', top: 'ExtensionConfigParsingFailure' },
  { name: 'extension stuck in deletion', input: 'Extension state is not supportive to the backup operation', top: 'ExtensionStuckInDeletionState' },
  { name: 'snapshot limit reached', input: 'Snapshot operation failed as snapshot limit is exceeded for some of the disks attached', top: 'ExtensionFailedSnapshotLimitReachedError' },
  { name: 'inadequate VM resources', input: 'Snapshot operation failed due to inadequate VM resources.', top: 'ExtensionFailedTimeoutVMNetworkUnresponsive' },
  { name: 'VM no longer exists', input: 'Could not perform the operation as VM no longer exists.', top: 'ResourceNotFound' },
  { name: 'premium storage quota', input: 'Could not copy the snapshot of the virtual machine, due to insufficient free space in the storage account', top: 'UserErrorBCMPremiumStorageQuotaError' },
  { name: 'BitLocker', input: 'The snapshot operation failed with the Volume Shadow Copy Service (VSS) operation error This drive is locked by BitLocker Drive Encryption. You must unlock this drive from the Control Panel.', top: 'ExtensionSnapshotBitlockerError' },
  { name: 'no secure channel', input: 'The snapshot operation failed because of failure to create a secure network communication channel.', top: 'ExtensionSnapshotFailedNoSecureNetwork' },
  { name: 'VC++ redistributable', input: 'The snapshot operation failed because of failure to install Visual C++ Redistributable for Visual Studio 2015.', top: 'ExtensionVCRedistInstallationFailure' },
  { name: 'policy disallowed', input: 'An invalid policy is configured on the VM which is preventing Snapshot operation.', top: 'UserErrorRequestDisallowedByPolicy' },
  { name: 'VM offline (two spaces)', input: 'Failed to install Microsoft Recovery Services extension as virtual machine  is not running', top: 'AzureVmOffline' },
  { name: 'numeric code in job JSON', input: failedJobJson('', { errorCode: 320001, dynamic: '' }), top: 'ResourceNotFound', matchedBy: 'numeric-code' },
  { name: 'numeric code with the words "error code"', input: 'error code 380008 when enabling backup', top: 'AzureVmOffline', matchedBy: 'numeric-code' },
  { name: 'non-seed code typo', input: 'UserErrorRpColectionLimitReached', top: 'UserErrorRpCollectionLimitReached', matchedBy: 'near-miss' },
  { name: 'Polish: restore point limit, no diacritics', input: 'Osiagnieto maksymalny limit kolekcji punktow przywracania', top: 'UserErrorRpCollectionLimitReached', language: 'pl' },
  { name: 'Polish: failed provisioning', input: 'Maszyna wirtualna jest w stanie nieudanej aprowizacji', top: 'UserErrorVmProvisioningStateFailed', language: 'pl' },
  { name: 'Polish: backup in progress', input: 'Nie można rozpocząć tworzenia kopii zapasowej, ponieważ trwa inna operacja tworzenia kopii zapasowej', top: 'UserErrorBackupOperationInProgress', language: 'pl' },
  { name: 'Polish: VSS writers', input: 'Operacja migawki nie powiodła się, ponieważ moduły zapisujące VSS były w złym stanie.', top: 'ExtensionFailedVssWriterInBadState', language: 'pl' },
  { name: 'Polish: COM+ error', input: 'Operacja migawki nie powiodła się z powodu błędu COM+', top: 'ExtensionSnapshotFailedCOM', language: 'pl' },
  { name: 'Polish: key vault, no diacritics, partial', input: 'Usluga Backup nie ma wystarczajacych uprawnien do magazynu kluczy', top: 'UserErrorKeyvaultPermissionsNotConfigured', language: 'pl' },
  { name: 'Polish: BitLocker fragment of a long message', input: 'dysk jest zablokowany przez szyfrowanie BitLocker', top: 'ExtensionSnapshotBitlockerError', language: 'pl' },
  { name: 'Polish: VM no longer exists', input: 'Nie można wykonać operacji, ponieważ maszyna wirtualna już nie istnieje.', top: 'ResourceNotFound', language: 'pl' },
  { name: 'English fragment: VSS writers', input: 'VSS writers in bad state', top: 'ExtensionFailedVssWriterInBadState' },
  { name: 'English fragment: BitLocker', input: 'This drive is locked by BitLocker Drive Encryption', top: 'ExtensionSnapshotBitlockerError' },
  { name: 'English fragment: key vault', input: 'Backup does not have sufficient permissions to the key vault', top: 'UserErrorKeyvaultPermissionsNotConfigured' },
  { name: 'SQL workload alert, identified from its message and code', input: alertJson({ description: 'First full backup is missing for this datasource.', originSuffix: 'azureworkloadusererrorparentfullbackupmissinglog', akaCode: 'usererrorparentfullbackupmissing', workload: 'sql' }), top: 'UserErrorParentFullBackupMissing' },
  { name: 'English fragment: backup in progress', input: 'another backup operation is currently in progress', top: 'UserErrorBackupOperationInProgress' },
  { name: 'English question around a message', input: 'the VM is in a failed provisioning state, what do I do?', top: 'UserErrorVmProvisioningStateFailed' },
  { name: "look-alike messages: isn't", input: "The VM isn't in a state that allows backups.", top: 'VmNotInDesirableState' },
  { name: 'Polish partial natural wording of seed 5', input: 'Tworzenie kopii zapasowej nie powiodło się z powodu błędu wewnętrznego', top: 'BackUpOperationFailed', alsoConfident: ['BackUpOperationFailedV2'], language: 'pl' },
  { name: 'non-seed code in an alert', input: alertJson({ description: 'The Restore Point collection max limit has reached.', originSuffix: 'azureiaasvmusererrorrpcollectionlimitreachedlog', akaCode: 'usererrorrpcollectionlimitreached' }), top: 'UserErrorRpCollectionLimitReached' },
];

/** Must come back with no confident candidate: the bot says it does not know and offers the closest codes. */
export const unknownCases: readonly IdentifyCase[] = [
  { name: 'greeting', input: 'hello', top: null },
  { name: 'Polish greeting', input: 'Dzień dobry, jak się masz?', top: null, language: 'pl' },
  { name: 'thanks', input: 'thanks, that fixed it!', top: null },
  { name: 'keyboard mash', input: 'asdf qwerty zxcv', top: null },
  { name: 'weather', input: "What's the weather in Warsaw tomorrow?", top: null },
  { name: 'vague backup question', input: 'My backup failed, can you help?', top: null },
  { name: 'vague Polish question', input: 'Czy możesz mi pomóc z kopią zapasową maszyny wirtualnej?', top: null, language: 'pl' },
  { name: 'ARM authorization error', input: "AuthorizationFailed: The client 'ops@contoso.com' with object id '1111' does not have authorization to perform action 'Microsoft.Compute/virtualMachines/read' over scope '/subscriptions/0000'", top: null },
  { name: 'quota error', input: 'QuotaExceeded: Operation could not be completed as it results in exceeding approved Total Regional Cores quota.', top: null },
  { name: 'parent resource not found', input: "ParentResourceNotFound: Can not perform requested operation on nested resource. Parent resource 'vault-prod' not found.", top: null },
  { name: 'deployment error', input: 'InvalidTemplateDeployment: The template deployment failed with error: The resource is not defined in the template.', top: null },
  { name: 'SSH timeout', input: 'ssh: connect to host 10.0.0.4 port 22: Connection timed out', top: null },
  { name: 'unrelated numbers', input: 'Ticket 320001 is about port 380008 and 400094 users', top: null },
  { name: 'an old code nobody documents any more (Standard SSD) is not the disk size code', input: 'Currently Azure Backup does not support Standard SSD disks', top: null },
  { name: 'a paraphrase sharing its rare words with the disk encryption and cross-subscription messages', input: 'key vault permissions for encrypted VMs', top: null },
  { name: 'job JSON with an unknown message', input: failedJobJson('The storage account is temporarily unavailable.'), top: null },
  { name: 'long unrelated text', input: LOREM.repeat(10), top: null },
  { name: 'a code-like word that is no code', input: 'UserErrorSomethingCompletelyDifferent', top: null },
  { name: 'generic English failure', input: 'operation failed due to an error', top: null },
  { name: 'generic Polish failure', input: 'Operacja nie powiodła się z powodu błędu', top: null, language: 'pl' },
  { name: 'too vague: snapshot operation failed', input: 'Snapshot operation failed', top: null },
  // Generic messages of codes Microsoft documents, alone: no answer (closest codes instead), and never a confident other code.
  { name: 'generic Azure Files data mover message alone', input: 'Failed to transfer data to vault.', top: null },
  { name: 'generic SAP HANA message alone', input: 'SAP HANA error', top: null },
  { name: 'generic MARS job message alone', input: 'Job could not be started as another job was in progress', top: null },
  { name: 'generic MABS policy message alone (its tail is the MARS internal service error)', input: 'The backup policy could not be modified. Error: The current operation failed due to an internal service error [0x29834]. Please retry the operation after sometime. If the issue persists, please contact Microsoft support.', top: null },
  { name: 'the internal service error tail alone', input: 'The current operation failed due to an internal service error. Please retry the operation after sometime. If the issue persists, please contact Microsoft support.', top: null },
  { name: 'generic Disk snapshot resource group message alone', input: 'Could not perform the operation as Snapshot Data store Resource Group no longer exists. Or, Azure Backup Service requires additional permissions on the Snapshot Data store Resource Group to do this operation.', top: null },
  { name: 'generic Polish data mover message alone', input: 'Nie udało się przesłać danych do magazynu.', top: null, language: 'pl' },
  { name: 'unrelated ARM SKU error', input: "SkuNotAvailable: The requested size for resource '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1' is currently not available in location 'westeurope'", top: null },
];

export const allCases: readonly IdentifyCase[] = [...seedCases, ...mixedCases, ...catalogueMessageCases, ...unknownCases];
