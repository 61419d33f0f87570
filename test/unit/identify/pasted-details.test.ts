import { createIdentifier } from '../../../src/core/identify';
import { ask } from '../../../src/core/troubleshoot/ask';
import { loadKnowledgeBase } from '../../../src/knowledge/load-knowledge-base';

/**
 * What an engineer pastes from the portal's job details, an alert e-mail or a Polish edition of
 * Microsoft's troubleshooting articles: the bot answers with the one code it names, and asks
 * "which one?" only when the text names several.
 */
const kb = loadKnowledgeBase();
const identifier = createIdentifier(kb);

/** The codes the bot would answer with: one card, the "which one?" choice, or none. */
function answer(text: string): readonly string[] {
  const outcome = ask(text, undefined, identifier);
  if (outcome.kind === 'troubleshoot') return [outcome.codeId];
  if (outcome.kind === 'choose') return outcome.codeIds;
  return [];
}

describe('the labels around a pasted code and message are not part of the message', () => {
  it.each([
    ['Error Code: UserErrorGuestAgentStatusUnavailable Error Message: VM Agent unable to communicate with Azure Backup', 'UserErrorGuestAgentStatusUnavailable'],
    ['Error details: Error Code: UserErrorFsFreezeFailed Error Message: Failed to freeze one or more mount-points of the VM to take a file-system consistent snapshot.', 'UserErrorFsFreezeFailed'],
    ['Error Message: The VM is in failed provisioning state', 'UserErrorVmProvisioningStateFailed'],
    ['Kod błędu: UserErrorGuestAgentStatusUnavailable Komunikat o błędzie: Agent maszyny wirtualnej nie może komunikować się z Azure Backup', 'UserErrorGuestAgentStatusUnavailable'],
  ])('%s', (text, code) => {
    expect(answer(text)).toEqual([code]);
  });

  it('still knows the message that says to see the job\'s error message details', () => {
    expect(answer('Backup failed due to an error. For details, see Job Error Message Details.')).toEqual(['UserErrorCrpReportedUserError']);
  });
});

// Microsoft/azure-docs.pl-pl, articles/backup/backup-azure-troubleshoot-vm-backup-fails-snapshot-timeout.md (hand-off 2020-08-13).
describe('the VM messages of the 2020-08-13 Polish edition', () => {
  it.each([
    ['Agent maszyny wirtualnej nie może komunikować się z Azure Backup', 'UserErrorGuestAgentStatusUnavailable'],
    ['stan aprowizacji maszyny wirtualnej to niepowodzenie', 'UserErrorVmProvisioningStateFailed'],
    ['nie można zainicjować kopii zapasowej, ponieważ trwa inna operacja tworzenia kopii zapasowej', 'UserErrorBackupOperationInProgress'],
  ])('%s', (text, code) => {
    expect(answer(text)).toEqual([code]);
  });
});

// Microsoft/azure-docs.pl-pl, articles/backup/backup-azure-mars-troubleshoot.md (hand-off 2021-03-30), and its English original.
describe('MARS agent errors with their error IDs, in English and Polish', () => {
  it.each([
    ['The Microsoft Azure Recovery Service Agent was unable to connect to Microsoft Azure Backup. (ID: 100050) Check your network settings and ensure that you are able to connect to the internet.', 'MarsUnableToConnectToAzureBackup'],
    ['Agent usługi odzyskiwania Microsoft Azure nie mógł nawiązać połączenia z Microsoft Azure Backup. (IDENTYFIKATOR: 100050) Sprawdź ustawienia sieci i upewnij się, że możesz nawiązać połączenie z Internetem.', 'MarsUnableToConnectToAzureBackup'],
    ['Agent usługi odzyskiwania Microsoft Azure nie mógł nawiązać połączenia z Microsoft Azure Backup.', 'MarsUnableToConnectToAzureBackup'],
    ['Nie można użyć określonego pliku poświadczeń magazynu, ponieważ nie jest on pobrany z magazynu skojarzonego z tym serwerem. (IDENTYFIKATOR: 100110) Podaj odpowiednie poświadczenia magazynu.', 'MarsVaultCredentialsFromOtherVault'],
  ])('%s', (text, code) => {
    expect(answer(text)).toEqual([code]);
  });
});

// learn.microsoft.com/azure/backup/backup-sql-server-azure-troubleshoot#sql-server-permissions names the code; the portal's
// message around it is as an operator pastes it from the failed discovery.
describe('a SQL Server backup account without sysadmin', () => {
  it('is its own code, with the steps that give the account the role', () => {
    const pasted = 'Error Code : UserErrorSQLNoSysadminMembership Error Message : Azure Backup service creates a service account "NT Service\\AzureWLBackupPluginSvc" for all operations and this account needs SQL sysadmin priviledge.';
    expect(answer(pasted)).toEqual(['UserErrorSQLNoSysadminMembership']);
    const causes = kb.orderedCauses(kb.findCode('UserErrorSQLNoSysadminMembership')!);
    expect(causes.map((c) => c.id)).toEqual(['sql-backup-account-not-sysadmin']);
    expect(JSON.stringify(causes[0]?.steps)).toContain('ALTER SERVER ROLE sysadmin ADD MEMBER');
  });
});
