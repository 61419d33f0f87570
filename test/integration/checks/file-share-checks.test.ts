import type { SdkAzureGateway } from '../../../src/azure/sdk-azure-gateway';
import { type Harness, startHarness } from '../azure/simulator-harness';
import type { ScenarioInput } from '../../../dev/arm-simulator/scenario';
import { fileShareOfIncidentItem, resolveFileShareTarget } from '../../../src/core/checks/file-share-target';
import { runChecksForCode } from '../../../src/core/checks/run-checks';
import { systemClock } from '../../../src/core/ports';
import { loadKnowledgeBase } from '../../../src/knowledge/load-knowledge-base';

/**
 * The checks of an Azure file share through the real SDK clients (@azure/arm-storage's share list with
 * deleted shares and snapshots, @azure/arm-locks for the storage account's locks) against the ARM
 * simulator, for a share named as a stored Azure Files incident names it ("finance (stfiles01)").
 */
const SUB = '00000000-0000-0000-0000-0000000000f1';
const S = `/subscriptions/${SUB}`;
const stDenied = 'stdenied01';

const scenario: ScenarioInput = {
  name: 'file-share-checks',
  denials: [{ scope: `${S}/resourceGroups/rg-denied`, actions: ['Microsoft.Storage/storageAccounts/fileServices/shares/read'] }],
  subscriptions: [
    {
      id: SUB,
      resourceGroups: [
        {
          name: 'rg-files',
          storageAccounts: [
            {
              name: 'stfiles01',
              locks: [{ name: 'AzureBackupProtectionLock', level: 'CanNotDelete' }],
              fileShares: [{ name: 'finance', snapshots: 200 }, { name: 'payroll', softDeleted: true }, { name: 'projects', snapshots: 199 }],
            },
            { name: 'stfrozen', locks: [{ name: 'freeze', level: 'ReadOnly' }], fileShares: [{ name: 'finance' }] },
          ],
        },
        { name: 'rg-denied', storageAccounts: [{ name: stDenied, fileShares: [{ name: 'finance' }] }] },
      ],
    },
  ],
};


const knowledge = loadKnowledgeBase();
let harness: Harness;
let azure: SdkAzureGateway;

beforeAll(async () => {
  harness = await startHarness({ scenario }, { retry: { maxRetries: 0 } });
  azure = harness.gateway;
});
afterAll(async () => {
  await harness.sim.close();
});

/** The cause's verdict and evidence for the share an incident names "<share> (<account>)" in its resource group. */
async function cause(code: string, causeId: string, item: string, resourceGroup = 'rg-files'): Promise<{ verdict: string; en: string; pl: string }> {
  const share = fileShareOfIncidentItem(item, resourceGroup);
  const target = share && resolveFileShareTarget(share, SUB);
  if (target === undefined) throw new Error(`no target for ${item}`);
  const report = await runChecksForCode(knowledge, code, target, azure, { allowReadOnlyRunCommand: false, clock: systemClock });
  const found = report.causes.find((c) => c.causeId === causeId);
  if (found === undefined) throw new Error(`${causeId} not judged`);
  return { verdict: found.verdict, en: found.results.map((r) => r.evidence.en).join(' | '), pl: found.results.map((r) => r.evidence.pl).join(' | ') };
}

describe('Azure file share checks through the real SDK clients', () => {
  it('reads a share: live, soft-deleted versions and its snapshots, from one share list', async () => {
    const account = `${S}/resourceGroups/rg-files/providers/Microsoft.Storage/storageAccounts/stfiles01`;
    expect(await azure.getFileShareState(account, 'finance')).toEqual({ live: true, softDeleted: [], snapshotCount: 200 });
    expect(await azure.getFileShareState(account, 'payroll')).toEqual({ live: false, softDeleted: [{ version: '1234567890', deletedTime: new Date('2026-01-06T08:00:00.000Z'), remainingRetentionDays: 6 }], snapshotCount: 0 });
    expect(await azure.getFileShareState(account, 'nothing')).toEqual({ live: false, softDeleted: [], snapshotCount: 0 });
  });

  it('finds a share at 200 snapshots likely, and one at 199 ruled out', async () => {
    expect(await cause('AFSMaxSnapshotReached', 'file-share-snapshot-limit', 'finance (stfiles01)')).toEqual({
      verdict: 'likely',
      en: 'File share finance has 200 of 200 snapshots: no new backup fits until older ones are deleted or expire.',
      pl: 'Udział plików finance ma 200 z 200 migawek: nowa kopia się nie zmieści, dopóki starsze nie zostaną usunięte lub nie wygasną.',
    });
    expect(await cause('AFSMaxSnapshotReached', 'file-share-snapshot-limit', 'projects (stfiles01)')).toMatchObject({ verdict: 'ruled-out', en: 'File share projects has 199 of 200 snapshots.' });
  });

  it('finds a soft-deleted share, with the days left to undelete it', async () => {
    expect(await cause('UserErrorBackupAFSInSoftDeleteState', 'file-share-soft-deleted', 'payroll (stfiles01)')).toEqual({
      verdict: 'likely',
      en: 'File share payroll in storage account stfiles01 is soft-deleted (deleted version 1234567890), 6 days left to undelete it: undelete it, then retry.',
      pl: 'Udział plików payroll na koncie magazynu stfiles01 jest usunięty nietrwale (usunięta wersja 1234567890), pozostało 6 dni na przywrócenie: przywróć go, a następnie ponów operację.',
    });
    expect((await cause('UserErrorBackupAFSInSoftDeleteState', 'file-share-soft-deleted', 'finance (stfiles01)')).verdict).toBe('ruled-out');
  });

  it('finds a deleted share, and a share whose storage account is gone (404)', async () => {
    expect(await cause('FileShareNotFound', 'file-share-deleted', 'finance (stfiles01)')).toMatchObject({ verdict: 'ruled-out', en: 'File share finance exists in storage account stfiles01.' });
    expect(await cause('FileShareNotFound', 'file-share-deleted', 'archive (stfiles01)')).toMatchObject({
      verdict: 'likely',
      en: 'Storage account stfiles01 has no file share archive, live or soft-deleted: it was deleted (and its soft delete retention, if any, has ended).',
    });
    const gone = await cause('FileShareNotFound', 'file-share-deleted', 'finance (stgone01)');
    expect(gone.verdict).toBe('likely');
    expect(gone.en).toContain(`Storage account stgone01 was not found (Azure answered 404 for ${S}/resourceGroups/rg-files/providers/Microsoft.Storage/storageAccounts/stgone01)`);
  });

  it('names the scope and the role when the bot may not list the shares (403)', async () => {
    expect(await cause('FileShareNotFound', 'file-share-deleted', `finance (${stDenied})`, 'rg-denied')).toMatchObject({
      verdict: 'unknown',
      en: `Cannot list the file shares of storage account ${stDenied} (${S}/resourceGroups/rg-denied/providers/Microsoft.Storage/storageAccounts/${stDenied}): the bot's identity needs Reader there (Microsoft.Storage/storageAccounts/fileServices/shares/read).`,
    });
  });

  it("checks the storage account's locks for a Files lock error: Azure Backup's own CanNotDelete lock passes, a ReadOnly lock fails", async () => {
    expect((await cause('UserErrorStorageAccountIsLocked', 'storage-account-locked', 'finance (stfiles01)')).verdict).toBe('ruled-out');
    expect(await cause('UserErrorStorageAccountIsLocked', 'storage-account-locked', 'finance (stfrozen)')).toMatchObject({ verdict: 'likely', en: expect.stringContaining('Storage account stfrozen has ReadOnly lock "freeze"') });
  });

  it('takes only a share and an account named as Azure names them', () => {
    expect(fileShareOfIncidentItem('finance (stfiles01)', 'rg-files')).toEqual({ share: 'finance', storageAccount: 'stfiles01', resourceGroup: 'rg-files' });
    expect(fileShareOfIncidentItem('finance', 'rg-files')).toBeUndefined();
    expect(fileShareOfIncidentItem('Finance (stfiles01)', 'rg-files')).toBeUndefined();
    expect(fileShareOfIncidentItem('finance (st/../x)', 'rg-files')).toBeUndefined();
    expect(fileShareOfIncidentItem('finance (stfiles01)', undefined)).toBeUndefined();
  });
});
