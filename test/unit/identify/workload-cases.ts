import { failedJobJson, type IdentifyCase } from './cases';

/**
 * The identification table for the workloads beyond Azure VM: at least ten cases each, in
 * English and Polish, as a message alone, inside a paste, and as a code with typos.
 * Polish inputs use other cases and numbers than the catalogue's wording on purpose.
 */
const NOISE = 'Hi team, this came in overnight from the production vault, any idea what to check first? ';
const POLISH_NOISE = 'Cześć, w nocy znowu nie udało się zadanie i dyżurny nie znalazł przyczyny. Szczegóły poniżej. ';

export const workloadCases: Record<string, readonly IdentifyCase[]> = {
  'azure-vm restore': [
    { name: 'OLR message', input: 'Operation failed as Cross Subscription Restore is not supported for Original Location Recovery.', top: 'UserErrorCrossSubscriptionRestoreNotSupportedForOLR', language: 'en' },
    { name: 'encrypted VM message', input: 'Operation failed as Cross Subscription Restore is not supported for Encrypted Azure VMs.', top: 'UserErrorCrossSubscriptionRestoreNotSupportedForEncryptedAzureVM' },
    { name: 'Trusted Launch message (only the workload words differ from the encrypted one)', input: 'Operation failed as Cross Subscription Restore is not supported for Trusted Launch Azure VMs (TVMs).', top: 'UserErrorCrossSubscriptionRestoreNotSupportedForTrustedLaunchAzureVM' },
    { name: 'tenant message in a job', input: failedJobJson("Operation failed as the tenant IDs for source and target subscriptions don't match."), top: 'UserErrorCrossSubscriptionRestoreInvalidTenant' },
    { name: 'target subscription message in chatter', input: `${NOISE}Operation failed as the target subscription specified for restore is not registered to the Azure Recovery Services Resource Provider.`, top: 'UserErrorCrossSubscriptionRestoreInvalidTargetSubscription' },
    { name: 'Trusted Launch migration message', input: 'Backup cannot be configured for the VM which has migrated from Trusted Launch mode to non Trusted Launch mode.', top: 'UserErrorMigrationFromTrustedLaunchVMToNonTrustedVMNotAllowed' },
    { name: 'code with a typo', input: 'UserErrorCrossSubscriptionRestoreInvalidTenat', top: 'UserErrorCrossSubscriptionRestoreInvalidTenant', matchedBy: 'near-miss' },
    { name: 'Polish CRR message', input: 'Operacja nie powiodła się, bo przywracania między subskrypcjami nie można łączyć z przywracaniem między regionami', top: 'UserErrorCrossSubscriptionRestoreNotSupportedForCRR', language: 'pl' },
    { name: 'Polish unmanaged disks message', input: 'przywracanie między subskrypcjami nie jest obsługiwane dla maszyn wirtualnych Azure z dyskami niezarządzanymi', top: 'UserErrorCrossSubscriptionRestoreNotSupportedForUnManagedAzureVM', language: 'pl' },
    { name: 'Polish snapshot recovery point message in chatter', input: `${POLISH_NOISE}Operacja nie powiodła się, ponieważ przywracanie między subskrypcjami nie jest obsługiwane z punktu odzyskiwania w postaci migawki.`, top: 'UserErrorCrossSubscriptionRestoreNotSupportedFromSnapshot', language: 'pl' },
  ],
  'sql-server': [
    { name: 'backup type message', input: 'This SQL database does not support the requested backup type.', top: 'UserErrorSQLPODoesNotSupportBackupType', language: 'en' },
    { name: 'database does not exist', input: 'SQL database does not exist.', top: 'UserErrorSQLPODoesNotExist' },
    { name: 'connection message in a job', input: failedJobJson('Azure Backup is not able to connect to the SQL instance.'), top: 'UserErrorOpeningSQLConnection' },
    { name: 'transaction log full in chatter', input: `${NOISE}Cannot take backup as transaction log for the data source is full.`, top: 'UserErrorBackupFailedAsTransactionLogIsFull' },
    { name: 'availability group message', input: 'Backup preference for SQL Always On Availability Group cannot be met as some nodes of the Availability Group are not registered.', top: 'FabricSvcBackupPreferenceCheckFailedUserError' },
    { name: 'SQL log chain', input: 'Log chain is broken.', top: 'UserErrorSQLLSNValidationFailure' },
    { name: 'code with two typos', input: 'UserErrorBackupFailedAsTransactonLogIsFul', top: 'UserErrorBackupFailedAsTransactionLogIsFull', matchedBy: 'near-miss' },
    { name: 'Polish database does not exist, other case', input: 'bazy danych SQL nie ma, nie istnieje', top: 'UserErrorSQLPODoesNotExist', language: 'pl' },
    { name: 'Polish transaction log full in chatter', input: `${POLISH_NOISE}Nie można wykonać kopii zapasowej, ponieważ dziennik transakcji dla źródła danych jest pełny.`, top: 'UserErrorBackupFailedAsTransactionLogIsFull', language: 'pl' },
    { name: 'Polish internet connectivity message', input: 'Maszyna wirtualna nie może nawiązać kontaktu z usługą Azure Backup ze względu na problemy z łącznością z Internetem', top: 'UserErrorVMInternetConnectivityIssue', language: 'pl' },
    { name: 'Polish guest agent message', input: 'usługa Azure Backup używa agenta gościa maszyny wirtualnej, ale agent gościa nie jest dostępny na serwerze docelowym', top: 'GuestAgentStatusUnavailableUserError', language: 'pl' },
  ],
  'sap-hana': [
    { name: 'ODBC connection message', input: 'Failed to connect to HANA system', top: 'UserErrorInOpeningHanaOdbcConnection', language: 'en' },
    { name: 'instance invalid message', input: "The specified SAP HANA instance is either invalid or can't be found", top: 'UserErrorHanaInstanceNameInvalid' },
    { name: 'HANA log chain', input: 'SAP HANA: Backup log chain is broken', top: 'UserErrorHANALSNValidationFailure' },
    { name: 'SDC to MDC in a job', input: failedJobJson('SDC to MDC upgrade detected.'), top: 'UserErrorSDCtoMDCUpgradeDetected' },
    { name: 'pre-registration script in chatter', input: `${NOISE}Pre-registration script not run.`, top: 'UserErrorPreregistrationScriptNotRun' },
    { name: 'old name of the pre-registration code', input: 'UserErrorHanaPreScriptNotRun', top: 'UserErrorPreregistrationScriptNotRun', matchedBy: 'alias' },
    { name: 'code with a typo', input: 'UserErrorHanaInstanceNameInvalld', top: 'UserErrorHanaInstanceNameInvalid', matchedBy: 'near-miss' },
    { name: 'Polish ODBC message, other case', input: 'Nie można nawiązać połączenia z systemami HANA', top: 'UserErrorInOpeningHanaOdbcConnection', language: 'pl' },
    { name: 'Polish incompatible systems in chatter', input: `${POLISH_NOISE}Systemy źródłowe i docelowe na potrzeby przywracania są niezgodne`, top: 'UserErrorIncompatibleSrcTargetSystemsForRestore', language: 'pl' },
    { name: 'Polish password expired', input: 'hasło użytkownika bazy danych lub kopii zapasowej wygasło', top: 'UserErrorDatabaseUserPasswordExpired', language: 'pl' },
  ],
  'azure-files': [
    { name: 'file share not found', input: "Operation failed as the file share isn't found", top: 'FileShareNotFound', language: 'en' },
    { name: 'snapshot limit', input: "You have reached the max limit of snapshots for this file share; you'll be able to take more once the older ones expire.", top: 'AFSMaxSnapshotReached' },
    { name: 'locked storage account in a job', input: failedJobJson('Backup or restore jobs failed due to storage account being in locked state.'), top: 'UserErrorStorageAccountIsLocked' },
    { name: 'parallel snapshot in chatter', input: `${NOISE}A backup job is already in progress for this file share.`, top: 'ParallelSnapshotRequest' },
    { name: 'target share full', input: 'Restore operation failed as target file share is full.', top: 'UserErrorTargetFileShareFull' },
    { name: 'code with a typo', input: 'UserErrorStorageAccountIsLockd', top: 'UserErrorStorageAccountIsLocked', matchedBy: 'near-miss' },
    { name: 'Polish share not found, other case', input: 'operacja nie powiodła się, bo nie odnaleziono udziałów plików', top: 'FileShareNotFound', language: 'pl' },
    { name: 'Polish storage account gone in chatter', input: `${POLISH_NOISE}Operacja nie powiodła się, ponieważ określone konto magazynu już nie istnieje.`, top: 'UserErrorStorageAccountNotFound', language: 'pl' },
    { name: 'Polish restore source missing', input: 'Przywracanie nie powiodło się, ponieważ jeden z plików w źródle nie istnieje.', top: 'DataTransferServiceSourceUriNotValid', language: 'pl' },
    { name: 'Polish quota message', input: 'Docelowy udział plików nie ma wystarczającego limitu przydziału rozmiaru magazynu na potrzeby przywracania', top: 'UserErrorTargetFileShareQuotaNotSufficient', language: 'pl' },
  ],
  'mars-agent': [
    { name: 'invalid vault credentials', input: "Invalid vault credentials provided. The file is either corrupted or doesn't have the latest credentials associated with recovery service. (ID: 34513)", top: 'MarsInvalidVaultCredentials', language: 'en' },
    { name: 'unable to connect', input: 'The Microsoft Azure Recovery Service Agent was unable to connect to Microsoft Azure Backup. (ID: 100050)', top: 'MarsUnableToConnectToAzureBackup' },
    { name: 'unable to connect, MABS wording', input: 'The Azure Backup Agent was unable to connect to the Azure Backup service.', top: 'MarsUnableToConnectToAzureBackup' },
    { name: 'credentials of another vault in chatter', input: `${NOISE}The specified vault credential file cannot be used as it is not downloaded from the vault associated with this server. (ID: 100110)`, top: 'MarsVaultCredentialsFromOtherVault' },
    { name: 'activation 0x1FC07', input: 'The activation did not complete successfully. The current operation failed due to an internal service error [0x1FC07].', top: 'MarsActivationIncomplete' },
    { name: 'passphrase not configured', input: 'Error 34506. The encryption passphrase stored on this computer is not correctly configured.', top: 'MarsPassphraseNotConfigured' },
    { name: 'numeric id alone with its word', input: 'MARS registration fails with error ID 34513', top: 'MarsInvalidVaultCredentials', matchedBy: 'numeric-code' },
    { name: 'Polish invalid credentials', input: 'Podano nieprawidłowe poświadczenia magazynu. Plik jest uszkodzony albo nie zawiera najnowszych poświadczeń', top: 'MarsInvalidVaultCredentials', language: 'pl' },
    { name: 'Polish passphrase in chatter', input: `${POLISH_NOISE}Hasło szyfrowania zapisane na tym komputerze nie jest poprawnie skonfigurowane.`, top: 'MarsPassphraseNotConfigured', language: 'pl' },
    { name: 'Polish encryption key', input: 'nie udało się ustawić klucza szyfrowania bezpiecznych kopii zapasowych', top: 'MarsEncryptionKeyNotSet', language: 'pl' },
  ],
  'mabs-dpm': [
    { name: 'replica inconsistent', input: 'Replica is inconsistent', top: 'MabsReplicaInconsistent', language: 'en' },
    { name: 'agent coordinator', input: 'The agent operation failed because of a communication error with the DPM Agent Coordinator service on srv-file01', top: 'MabsAgentCommunicationError' },
    { name: 'storage pool full in chatter', input: `${NOISE}There is insufficient free space in the storage pool for this protection group`, top: 'MabsStoragePoolFull' },
    { name: 'online recovery point', input: 'DPM: Online recovery point creation failed', top: 'MabsOnlineRecoveryPointFailed' },
    { name: 'agent installation rolled back', input: 'The Microsoft Azure Recovery Services installation failed. All changes made by the Microsoft Azure Recovery Services installation to the system were rolled back. (ID: 4024)', top: 'MabsAgentInstallationFailed' },
    { name: 'invalid credentials', input: 'The credentials specified for server are invalid', top: 'MabsInvalidServerCredentials' },
    { name: 'Polish replica, other case', input: 'repliki są niespójne', top: 'MabsReplicaInconsistent', language: 'pl' },
    { name: 'Polish storage pool in chatter', input: `${POLISH_NOISE}W puli magazynu brakuje wolnego miejsca dla tej grupy ochrony`, top: 'MabsStoragePoolFull', language: 'pl' },
    { name: 'Polish online recovery point', input: 'Nie udało się utworzyć punktu odzyskiwania online', top: 'MabsOnlineRecoveryPointFailed', language: 'pl' },
    { name: 'Polish agent coordinator', input: 'Operacja agenta nie powiodła się z powodu błędu komunikacji z usługą DPM Agent Coordinator', top: 'MabsAgentCommunicationError', language: 'pl' },
  ],
  'azure-disk': [
    { name: 'permission on disk', input: 'Azure Backup Service requires additional permissions on the Disk to do this operation.', top: 'UserErrorNotEnoughPermissionOnDisk', language: 'en' },
    { name: 'permission on snapshot RG (only the resource differs)', input: 'Azure Backup Service requires additional permissions on the Snapshot Data store Resource Group to do this operation.', top: 'UserErrorNotEnoughPermissionOnSnapshotRG' },
    { name: 'permission on target RG', input: 'Azure Backup Service requires additional permissions on the Target Resource Group to do this operation.', top: 'UserErrorNotEnoughPermissionOnTargetRG' },
    { name: 'disk gone (only the workload words differ from the VM one)', input: 'Could not perform the operation as Managed Disk no longer exists.', top: 'UserErrorManagedDiskNotFound' },
    { name: 'snapshot deleted in chatter', input: `${NOISE}The disk snapshot for this Restore point has been deleted.`, top: 'UserErrorDiskSnapshotNotFound' },
    { name: 'code with a typo', input: 'UserErrorNotEnoughPermisionOnDisk', top: 'UserErrorNotEnoughPermissionOnDisk', matchedBy: 'near-miss' },
    { name: 'Polish disk gone, other case', input: 'Nie można wykonać operacji, bo dysku zarządzanego już nie ma, nie istnieje', top: 'UserErrorManagedDiskNotFound', language: 'pl' },
    { name: 'Polish same name in chatter', input: `${POLISH_NOISE}Nie można przywrócić, ponieważ w wybranej docelowej grupie zasobów istnieje już dysk o tej samej nazwie`, top: 'UserErrorSameNameDiskAlreadyExists', language: 'pl' },
    { name: 'Polish key disabled', input: 'Klucz z magazynu kluczy używany przez zestaw szyfrowania dysku nie jest włączony.', top: 'UserErrorDESKeyVaultKeyDisabled', language: 'pl' },
    { name: 'Polish already protected', input: 'Dysk jest już chroniony i powiązany z wystąpieniem kopii zapasowej w magazynie kopii zapasowych', top: 'UserErrorDppDatasourceAlreadyProtected', language: 'pl' },
  ],
};
