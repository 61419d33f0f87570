import { WorkloadSchema, type ErrorCodeEntry, type Workload } from '../../../src/core/knowledge/schema';
import { loadKnowledgeBase } from '../../../src/knowledge/load-knowledge-base';

const kb = loadKnowledgeBase();

/** The 39 VM codes of the seed and the VM guides, in the order the catalogue had them before other workloads came. */
const vmSeedCodes = [
  'AzureVmOffline', 'BackUpOperationFailed', 'BackUpOperationFailedV2', 'BCMV2VMNotFound', 'CopyingVHDsFromBackUpVaultTakingLongTime', 'ExtensionConfigParsingFailure',
  'ExtensionFailedSnapshotLimitReachedError', 'ExtensionFailedTimeoutVMNetworkUnresponsive', 'ExtensionFailedVssServiceInBadState', 'ExtensionFailedVssWriterInBadState',
  'ExtensionInstallationFailedCOM', 'ExtensionInstallationFailedMDTC', 'ExtensionOperationFailedForManagedDisks', 'ExtensionSnapshotBitlockerError', 'ExtensionSnapshotFailedCOM',
  'ExtensionSnapshotFailedNoNetwork', 'ExtensionSnapshotFailedNoSecureNetwork', 'ExtensionStuckInDeletionState', 'ExtensionVCRedistInstallationFailure',
  'GuestAgentSnapshotTaskStatusError', 'ResourceNotFound', 'UserErrorBackupOperationInProgress', 'UserErrorBcmDatasourceNotPresent', 'UserErrorBCMPremiumStorageQuotaError',
  'UserErrorCrpReportedUserError', 'UserErrorFsFreezeFailed', 'UserErrorGuestAgentStatusUnavailable', 'UserErrorInstantRpNotFound', 'UserErrorKeyvaultPermissionsNotConfigured',
  'UserErrorMarketPlaceVMNotSupported', 'UserErrorRequestDisallowedByPolicy', 'UserErrorRpCollectionLimitReached', 'UserErrorSkuNotAvailable', 'UserErrorUnableToOpenMount',
  'UserErrorUnsupportedDiskSize', 'UserErrorVmNotInDesirableState', 'UserErrorVmProvisioningStateFailed', 'VMRestorePointInternalError', 'VmNotInDesirableState',
];

/** Codes each workload's troubleshooting article documents that the catalogue must know (a sample per article, not the whole list). */
const documented: Record<Workload, readonly string[]> = {
  'azure-vm': [
    'UserErrorCrossSubscriptionRestoreNotSupportedForOLR', 'UserErrorCrossSubscriptionRestoreNotSupportedForUnManagedAzureVM', 'UserErrorCrossSubscriptionRestoreNotSupportedForCRR',
    'UserErrorCrossSubscriptionRestoreNotSupportedFromSnapshot', 'UserErrorCrossSubscriptionRestoreInvalidTenant', 'UserErrorCrossSubscriptionRestoreInvalidTargetSubscription',
    'UserErrorCrossSubscriptionRestoreNotSupportedForEncryptedAzureVM', 'UserErrorCrossSubscriptionRestoreNotSupportedForTrustedLaunchAzureVM', 'UserErrorMigrationFromTrustedLaunchVMToNonTrustedVMNotAllowed',
  ],
  'sql-server': ['WorkloadExtensionNotReachable', 'UserErrorWorkloadExtensionNotInstalled', 'UserErrorSQLNoSysadminMembership', 'WorkloadExtensionNotPresent', 'WorkloadExtensionDidntDequeueMsg', 'UserErrorSQLPODoesNotSupportBackupType', 'UserErrorSQLPODoesNotExist', 'UserErrorSQLLSNValidationFailure', 'UserErrorOpeningSQLConnection', 'UserErrorParentFullBackupMissing', 'UserErrorBackupFailedAsTransactionLogIsFull', 'FabricSvcBackupPreferenceCheckFailedUserError', 'VMNotInRunningStateUserError', 'GuestAgentStatusUnavailableUserError', 'UserErrorVMInternetConnectivityIssue'],
  'sap-hana': ['UserErrorHANAInternalRoleNotPresent', 'UserErrorInOpeningHanaOdbcConnection', 'UserErrorHanaInstanceNameInvalid', 'UserErrorHANALSNValidationFailure', 'UserErrorSDCtoMDCUpgradeDetected', 'UserErrorInvalidBackintConfiguration', 'UserErrorHANAPODoesNotExist', 'UserErrorPreregistrationScriptNotRun',
    'UserErrorRecoverySysScriptFailedToTriggerRestore', 'UserErrorDBNameNotInCorrectFormat', 'UserErrorInconsistentSSFS', 'UserErrorDefaultSidAdmDirectoryChanged', 'UserErrorHDBsettingsScriptNotFound'],
  'azure-files': ['FileShareNotFound', 'UserErrorFileShareEndpointUnreachable', 'AFSMaxSnapshotReached', 'UserErrorStorageAccountNotFound', 'ParallelSnapshotRequest', 'UserErrorStorageAccountIsLocked', 'UserErrorTargetFileShareFull', 'DataTransferServiceSourceUriNotValid',
    'PreRestoreFailed', 'AzureFileSyncChangeDetectionInProgress', 'UserErrorAFSRecoverySomeFilesNotRestored', 'UserErrorAFSSourceSnapshotNotFound', 'UserErrorAnotherRestoreInProgressOnSameTarget',
    'DatamoverInsufficientVaultStorage', 'DatamoverGenericError', 'UserErrorStorageKeyBasedAuthenticationNotPermitted', 'AzureOperationFailed', 'UserErrorStorageAccountSasPolicyNotSupported', 'BMSUserErrorConflictingProtectionOperation',
    'BMSUserErrorObjectLocked', 'UserErrorRestoreAFSInSoftDeleteState', 'UserErrorRestoreAFSInDeleteState', 'UserErrorBackupAFSInSoftDeleteState', 'UserErrorBackupAFSInDeleteState'],
  'mars-agent': [
    'MarsInvalidVaultCredentials', 'MarsUnableToConnectToAzureBackup', 'MarsVaultCredentialsFromOtherVault', 'MarsActivationIncomplete', 'MarsPassphraseNotConfigured',
    'SalChecksumStoreInitializationFailed', 'SalVhdInitializationError', 'SalLowDiskSpace', 'SalBitmapError', 'MarsResourceNotProvisionedInServiceStamp', 'MarsVaultCredentialsDownloadFailed', 'MarsJobAlreadyInProgress',
  ],
  'mabs-dpm': [
    'MabsReplicaInconsistent', 'MabsAgentCommunicationError', 'MabsStoragePoolFull', 'MabsOnlineRecoveryPointFailed', 'MabsSetupRefsTrimRegistry', 'MabsSetupVolSnapOptimizationRegistry',
    'MabsCannotEnumerateComponents', 'MabsDeviceNotReady', 'MabsSecurityPinIncorrect', 'MabsPassphraseChangeNotSupported', 'MabsVmwareChangeTrackingFailed', 'MabsPolicyChangeInternalError',
  ],
  'azure-disk': [
    'UserErrorNotEnoughPermissionOnDisk', 'UserErrorNotEnoughPermissionOnSnapshotRG', 'UserErrorManagedDiskNotFound', 'UserErrorDiskSnapshotNotFound', 'UserErrorDppDatasourceAlreadyProtected',
    'UserErrorDiskBackupDiskOrMSIPermissionsNotPresent', 'UserErrorOperationalStoreParametersNotProvided', 'UserErrorInvalidOperationalStoreResourceGroup', 'UserErrorDiskBackupDiskTypeNotSupported',
    'UserErrorSubscriptionDiskQuotaLimitReached', 'UserErrorDiskBackupRestoreRGOrMSIPermissionsNotPresent', 'UserErrorMSIPermissionsNotPresentOnDES', 'UserErrorDESKeyVaultKeyNotAvailable',
    'UserErrorSnapshotMetadataNotFound', 'BackupAgentPluginHostValidateProtectionError', 'UserErrorMaxConcurrentOperationLimitReached',
    'UserErrorSnapshotRGOrMSIPermissionsNotPresent', 'UserErrorDiskBackupSnapshotRGOrMSIPermissionsNotPresent',
  ],
  'azure-blob': [
    'UserErrorMissingRequiredPermissions', 'UserErrorUnsupportedStorageAccountType', 'UserErrorAzureResourceNotFoundByPlugin', 'UserErrorStorageAccountInLockedState', 'UserErrorPitrDisabledOnStorageAccount',
    'UserErrorImmutabilityPolicyConfigured', 'UserErrorRestorePointNotFound', 'UserErrorOriginalLocationRestoreNotSupported', 'UserErrorVaultedBackupFeatureNotEnabled', 'UserErrorBlobVersionDeletedDuringBackup',
    'UserErrorInvalidRestorePrefixRange', 'UserErrorContainerNotFoundForPointInTimeRestore', 'UserErrorRestorePointNotFoundInBackupVault', 'UserErrorNoContainersSelectedForOperation',
    'UserErrorInvalidParameterInRequest', 'UserErrorRequestDisallowedByAzurePolicy', 'LongRunningRestoreTrackingFailure', 'LongRunningBackupTrackingFailure', 'LongRunningOperationTrackingFailure',
    'ObjectReplicationPolicyCreationFailure', 'UserErrorRequiredStorageFeaturesDisabled', 'UserErrorSelectedContainerPartOfAnotherORPolicy', 'UserErrorTooManyRestoreCriteriaGivenForBlobRestore',
    'UserErrorTooManyPrefixesGivenForBlobRestore', 'UserErrorStopProtectionNotSupportedForBlobOperationalBackup', 'UserErrorAzureStorageAccountManagementOperationLimitReached',
    'UserErrorBlobVersionArchivedDuringBackup', 'UserErrorBlobVersionArchivedAndDeletedDuringBackup', 'UserErrorContainerHasImmutabilityPolicyDuringRestore',
    'UserErrorArchivedRecoveryPointsRequestedForRestore', 'UserErrorObjectReplicationPolicyDeletionFailureOnRestoreTarget', 'UserErrorRestoreFailurePreviousObjectReplicationPolicyNotDeleted',
    'UserErrorKeyVaultKeyWasNotFound', 'UserErrorInvalidResourceUriInRequest', 'LinkedAuthorizationFailed',
  ],
};

const code = (id: string): ErrorCodeEntry => kb.requireCode(id);

describe('the knowledge base covers every workload', () => {
  it('keeps the 39 VM codes, all under the Azure VM workload', () => {
    for (const id of vmSeedCodes) expect(code(id).workload).toBe('azure-vm');
    // Their causes keep the seed order: the first cause of each is unchanged by the new workloads.
    expect(kb.orderedCauses('UserErrorGuestAgentStatusUnavailable')[0]?.id).toBe('no-internet-access');
    expect(kb.orderedCauses('BackUpOperationFailed').map((c) => c.id).slice(0, 2)).toEqual(['no-internet-access', 'windows-agent-unresponsive']);
  });

  describe.each(Object.entries(documented))('%s', (workload, ids) => {
    it('has the codes its article documents, each naming this workload', () => {
      for (const id of ids) expect({ id, workload: code(id).workload }).toEqual({ id, workload });
    });

    it('gives every code ordered causes with steps and a Microsoft documentation link', () => {
      for (const entry of kb.codesByWorkload().get(workload as Workload) ?? []) {
        const causes = kb.orderedCauses(entry);
        expect({ id: entry.id, causes: causes.length }).toEqual({ id: entry.id, causes: entry.causes.length });
        expect(causes.length).toBeGreaterThan(0);
        for (const cause of causes) {
          expect(cause.steps.length).toBeGreaterThan(0);
          expect(cause.docUrl).toMatch(/^https:\/\/learn\.microsoft\.com\/azure\/backup\//);
        }
        expect(entry.docUrl).toMatch(/^https:\/\/learn\.microsoft\.com\/azure\/backup\//);
        // A code whose message Microsoft does not document says so, and is found by its id alone.
        const messages = entry.messageKind === 'undocumented' ? 0 : 1;
        expect({ id: entry.id, en: Math.min(1, entry.messages.en.length), pl: Math.min(1, entry.messages.pl.length) }).toEqual({ id: entry.id, en: messages, pl: messages });
      }
    });
  });

  it('groups the codes by workload in the schema order, every code in exactly one group', () => {
    const groups = kb.codesByWorkload();
    expect([...groups.keys()]).toEqual(WorkloadSchema.options.filter((w) => groups.has(w)));
    expect([...groups.keys()]).toEqual(expect.arrayContaining(Object.keys(documented)));
    expect([...groups.values()].reduce((n, list) => n + list.length, 0)).toBe(kb.codes.length);
  });

  it('marks the ids the project named itself (the agents print only a message and a number)', () => {
    const projectNamed = kb.codes.filter((c) => c.idOrigin === 'project').map((c) => c.workload);
    expect(new Set(projectNamed)).toEqual(new Set(['mars-agent', 'mabs-dpm']));
    expect(kb.findCodeByNumber(34513)?.id).toBe('MarsInvalidVaultCredentials');
  });

  it('records the source of every Polish wording: a dated Microsoft edition with its article, or the project', () => {
    for (const entry of kb.codes) {
      expect(entry.polishWordings.map((w) => w.text)).toEqual(entry.messages.pl);
      for (const wording of entry.polishWordings) {
        if (wording.edition === 'project') continue;
        expect(wording.edition).toMatch(/^microsoft-20(18|19|20|21)-\d{2}-\d{2}$/);
        expect(wording.source).toMatch(/^https:\/\/learn\.microsoft\.com\/pl-pl\/azure\/backup\//);
      }
    }
  });
});
