import type { ErrorCodeEntry } from '../../../src/core/knowledge/schema';

/**
 * A small catalogue of its own for the identifier's focused unit tests, so they do not
 * move when the knowledge base's wording is edited. The table test uses the real one.
 */
export function fixtureEntry(id: string, en: string[], pl: string[], extra: Partial<Pick<ErrorCodeEntry, 'aliases' | 'numericCodes' | 'messageKind' | 'workload'>> = {}): ErrorCodeEntry {
  return {
    id,
    aliases: extra.aliases ?? [],
    numericCodes: extra.numericCodes ?? [],
    idOrigin: 'azure',
    workload: extra.workload ?? 'azure-vm',
    workloadTwins: [],
    area: 'other',
    messageKind: extra.messageKind ?? 'specific',
    messages: { en, pl },
    polishWordings: pl.map((text) => ({ text, edition: 'project' })),
    summary: { en: id, pl: id },
    causes: [{ cause: 'some-cause', edition: 'current' }],
    editions: ['current'],
    docUrl: 'https://learn.microsoft.com/azure/backup/',
  };
}

export const fixtureCodes: readonly ErrorCodeEntry[] = [
  fixtureEntry('UserErrorGuestAgentStatusUnavailable', ['VM Agent unable to communicate with Azure Backup'], ['Nie można nawiązać komunikacji z usługą Azure Backup agent maszyny Wirtualnej', 'Agent maszyny wirtualnej nie może komunikować się z usługą Azure Backup']),
  fixtureEntry('ExtensionSnapshotFailedNoNetwork', ['Snapshot operation failed due to no network connectivity on the virtual machine'], ['Migawki: operacja nie powiodła się z powodu braku łączności z siecią na maszynie wirtualnej']),
  fixtureEntry('ExtensionOperationFailedForManagedDisks', ['VMSnapshot extension operation failed'], ['Operacja rozszerzenia VMSnapshot nie powiodła się.'], { aliases: ['ExtentionOperationFailed'] }),
  fixtureEntry('GuestAgentSnapshotTaskStatusError', ['Could not communicate with the VM agent for snapshot status'], ['Nie można nawiązać komunikacji z agentem maszyny Wirtualnej w celu uzyskania stanu migawki']),
  fixtureEntry('BackUpOperationFailed', ['Backup failed with an internal error - Please retry the operation in a few minutes'], ['kopii zapasowej nie powiodło się z powodu błędu wewnętrznego — ponów próbę operacji za kilka minut']),
  fixtureEntry('BackUpOperationFailedV2', ['Backup failed with an internal error - Please retry the operation in a few minutes', 'The backups of VMs have failed after the policy migration from Standard to Enhanced policy.'], ['kopii zapasowej nie powiodło się z powodu błędu wewnętrznego — ponów próbę operacji za kilka minut']),
  fixtureEntry('UserErrorVmProvisioningStateFailed', ['The VM is in failed provisioning state'], ['Maszyna wirtualna jest w stanie aprowizacji zakończonym niepowodzeniem']),
  fixtureEntry('UserErrorRpCollectionLimitReached', ['The Restore Point collection max limit has reached.'], ['Osiągnięto maksymalny limit kolekcji punktów przywracania.']),
  fixtureEntry('ExtensionSnapshotFailedCOM', ['Snapshot operation failed due to COM+ error'], ['Operacja migawki nie powiodła się z powodu błędu COM+']),
  fixtureEntry('ExtensionFailedVssWriterInBadState', ['Snapshot operation failed because VSS writers were in a bad state.'], ['Operacja migawki nie powiodła się, ponieważ składniki zapisywania VSS są w złym stanie.']),
  fixtureEntry('ResourceNotFound', ['Could not perform the operation as VM no longer exists.'], ['Nie można wykonać operacji, ponieważ maszyna wirtualna już nie istnieje.'], { numericCodes: [320001] }),
  fixtureEntry('AzureVmOffline', ['Failed to install Microsoft Recovery Services extension as virtual machine  is not running'], ['Nie udało się zainstalować rozszerzenia Microsoft Recovery Services, ponieważ maszyna wirtualna nie jest uruchomiona'], { numericCodes: [380008] }),
  fixtureEntry('UserErrorVmNotInDesirableState', ['VM is not in a state that allows backups.'], ['Stan maszyny wirtualnej nie pozwala na wykonanie kopii zapasowej.']),
  fixtureEntry('VmNotInDesirableState', ["The VM isn't in a state that allows backups."], ['Stan maszyny wirtualnej nie pozwala na wykonanie kopii zapasowej.']),
];
