import type { ResourceLock } from '../../../src/core/azure-port';
import { evaluateBlobRestore, evaluateStorageAccountKind, evaluateStorageAccountLocks, storageAccountLocksForbidden } from '../../../src/core/checks/storage-account-checks';

const SUB = '00000000-0000-0000-0000-000000000001';
const RG = `/subscriptions/${SUB}/resourceGroups/rg-data`;
const ACCOUNT = `${RG}/providers/Microsoft.Storage/storageAccounts/stblobs01`;
const lock = (scope: string, name: string, level: string): ResourceLock => ({ id: `${scope}/providers/Microsoft.Authorization/locks/${name}`, name, level, scope });
const id = 'storage-account-read-only-lock';

describe('the storage account lock check', () => {
  it('passes with no lock at all', () => {
    expect(evaluateStorageAccountLocks(id, ACCOUNT, [])).toEqual({
      checkId: id,
      status: 'pass',
      evidence: {
        en: 'No lock applies to storage account stblobs01 (none on it, its resource group or its subscription).',
        pl: 'Na koncie magazynu stblobs01 nie ma żadnej blokady (ani na nim, ani na jego grupie zasobów, ani na subskrypcji).',
      },
    });
  });

  it('passes with a CanNotDelete lock (Azure Backup puts one on the accounts of protected file shares)', () => {
    const result = evaluateStorageAccountLocks(id, ACCOUNT, [lock(ACCOUNT, 'AzureBackupProtectionLock', 'CanNotDelete')]);
    expect(result.status).toBe('pass');
    expect(result.evidence.en).toBe('No ReadOnly lock applies to storage account stblobs01; CanNotDelete lock "AzureBackupProtectionLock" only stops deletion, which backup does not need.');
    expect(result.evidence.pl).toBe('Na koncie magazynu stblobs01 nie ma blokady ReadOnly; blokada CanNotDelete "AzureBackupProtectionLock" chroni tylko przed usunięciem, czego kopia nie potrzebuje.');
  });

  it('fails on a ReadOnly lock inherited from the subscription, and names where each lock is, nearest first', () => {
    const result = evaluateStorageAccountLocks(id, ACCOUNT, [lock(`/subscriptions/${SUB}`, 'sub-freeze', 'ReadOnly'), lock(RG, 'rg-freeze', 'ReadOnly'), lock(ACCOUNT, 'keep', 'CanNotDelete')]);
    expect(result.status).toBe('fail');
    expect(result.evidence.en).toBe(
      `Storage account stblobs01 has ReadOnly lock "rg-freeze" (inherited from resource group rg-data), ReadOnly lock "sub-freeze" (inherited from subscription ${SUB}): they refuse the changes backup and restore make to the account. Remove them, or use a CanNotDelete lock instead.`,
    );
    expect(result.evidence.pl).toBe(
      `Na koncie magazynu stblobs01 są blokady ReadOnly "rg-freeze" (dziedziczona z grupy zasobów rg-data), "sub-freeze" (dziedziczona z subskrypcji ${SUB}): odrzucają zmiany, które kopia i przywracanie wprowadzają na koncie. Usuń je albo zastąp blokadą CanNotDelete.`,
    );
  });

  it('ignores locks below the account (on a share) and on other resources, which do not apply to it', () => {
    const result = evaluateStorageAccountLocks(id, ACCOUNT, [
      lock(`${ACCOUNT}/fileServices/default/shares/finance`, 'share-freeze', 'ReadOnly'),
      lock(`${RG}/providers/Microsoft.Storage/storageAccounts/stblobs012`, 'other', 'ReadOnly'),
    ]);
    expect(result.status).toBe('pass');
    expect(result.evidence.en).toContain('No lock applies to storage account stblobs01');
  });

  it('reads the level without regard to case', () => {
    expect(evaluateStorageAccountLocks(id, ACCOUNT, [lock(ACCOUNT, 'x', 'readonly')]).status).toBe('fail');
  });

  it('says which role the bot lacks, and where, when it may not read the locks', () => {
    expect(storageAccountLocksForbidden(id, ACCOUNT)).toMatchObject({ status: 'unknown', evidence: { en: expect.stringContaining(`Cannot read the locks on storage account stblobs01 (${ACCOUNT}): the bot's identity needs Reader there`) } });
  });
});

describe('the storage account kind and point-in-time restore checks', () => {
  it('passes a standard general-purpose v2 account without a hierarchical namespace, whatever the case of its kind', () => {
    expect(evaluateStorageAccountKind('k', ACCOUNT, { kind: 'storagev2', sku: 'Standard_GRS', hierarchicalNamespace: false }).status).toBe('pass');
  });

  it('fails a premium v2 account and leaves an account Azure did not describe unknown', () => {
    expect(evaluateStorageAccountKind('k', ACCOUNT, { kind: 'StorageV2', sku: 'Premium_LRS', hierarchicalNamespace: false })).toMatchObject({
      status: 'fail',
      evidence: { en: 'Storage account stblobs01 is not one blob backup supports: its SKU Premium_LRS is not a Standard one.' },
    });
    expect(evaluateStorageAccountKind('k', ACCOUNT, { hierarchicalNamespace: false }).status).toBe('unknown');
  });

  it('fails when point-in-time restore is off, even with its prerequisites on', () => {
    expect(evaluateBlobRestore('p', ACCOUNT, { pointInTimeRestore: false, versioning: true, changeFeed: true, blobSoftDelete: true })).toMatchObject({
      status: 'fail',
      evidence: { en: 'Point-in-time restore is off for storage account stblobs01.', pl: 'Przywracanie do punktu w czasie jest wyłączone na koncie magazynu stblobs01.' },
    });
    expect(evaluateBlobRestore('p', ACCOUNT, { pointInTimeRestore: true, versioning: true, changeFeed: true, blobSoftDelete: true }).status).toBe('pass');
  });
});
