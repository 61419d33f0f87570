import type { SdkAzureGateway } from '../../../src/azure/sdk-azure-gateway';
import { type Harness, startHarness } from '../azure/simulator-harness';
import type { ScenarioInput } from '../../../dev/arm-simulator/scenario';
import { withDeadline } from '../../../src/core/azure-lookup/azure-deadline';
import { resolveDatasourceTarget } from '../../../src/core/checks/datasource-target';
import type { SessionDatasource } from '../../../src/core/troubleshoot/session';
import { runChecksForCode } from '../../../src/core/checks/run-checks';
import { systemClock } from '../../../src/core/ports';
import { loadKnowledgeBase } from '../../../src/knowledge/load-knowledge-base';

/**
 * The storage account checks of a blob backup through the real SDK clients (Resource Graph for the
 * backup instance, @azure/arm-locks for the locks that apply to the account) against the ARM simulator.
 */
const SUB = '00000000-0000-0000-0000-0000000000c1';
const S = `/subscriptions/${SUB}`;
const account = (rg: string, name: string): string => `${S}/resourceGroups/${rg}/providers/Microsoft.Storage/storageAccounts/${name}`;

const scenario: ScenarioInput = {
  name: 'storage-account-checks',
  denials: [{ scope: account('rg-data', 'stdenied'), actions: ['Microsoft.Authorization/locks/read', 'Microsoft.Storage/storageAccounts/read'] }],
  subscriptions: [
    {
      id: SUB,
      resourceGroups: [
        {
          name: 'rg-backup',
          backupVaults: [
            {
              name: 'bv-blobs',
              principalId: 'b0b0b0b0-0000-4000-8000-0000000000c1',
              backupInstances: ['stlocked', 'stdelete', 'stfree', 'stdenied', 'stgone', 'stv1', 'stpremium', 'sthns', 'stnopitr']
                .map((name) => ({ datasource: account('rg-data', name) }))
                .concat([{ datasource: account('rg-readonly', 'stinherits') }]),
            },
          ],
        },
        {
          name: 'rg-data',
          locks: [{ name: 'rg-no-delete', level: 'CanNotDelete' }],
          storageAccounts: [
            { name: 'stlocked', locks: [{ name: 'freeze', level: 'ReadOnly', notes: 'audit' }] },
            { name: 'stdelete', locks: [{ name: 'keep', level: 'CanNotDelete' }] },
            { name: 'stfree' },
            { name: 'stdenied' },
            { name: 'stv1', kind: 'Storage' },
            { name: 'stpremium', kind: 'BlockBlobStorage', sku: 'Premium_LRS' },
            { name: 'sthns', hierarchicalNamespace: true },
            { name: 'stnopitr', pointInTimeRestore: false },
          ],
        },
        { name: 'rg-readonly', locks: [{ name: 'rg-frozen', level: 'ReadOnly' }], storageAccounts: [{ name: 'stinherits' }] },
        // rg-free has no lock at all.
        { name: 'rg-free', storageAccounts: [{ name: 'stalone' }] },
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

const blob = (name: string, resourceGroup = 'rg-data'): SessionDatasource => ({ workload: 'azure-blob', name, resourceGroup, vaultResourceGroup: 'rg-backup' });

async function lockCause(name: string, resourceGroup?: string): Promise<{ verdict: string; en: string; pl: string }> {
  return causeOf('UserErrorStorageAccountInLockedState', 'blob-storage-account-read-only-lock', name, resourceGroup);
}

async function causeOf(code: string, causeId: string, name: string, resourceGroup?: string): Promise<{ verdict: string; en: string; pl: string }> {
  const lookup = await withDeadline(8000, (d) => resolveDatasourceTarget(azure, { datasource: blob(name, resourceGroup), vault: 'bv-blobs', subscriptionId: SUB }, d));
  if (lookup.kind !== 'found') throw new Error(`not found: ${lookup.kind}`);
  const report = await runChecksForCode(knowledge, code, lookup.target, azure, { allowReadOnlyRunCommand: false, clock: systemClock });
  const cause = report.causes.find((c) => c.causeId === causeId);
  if (cause === undefined) throw new Error('cause not judged');
  return { verdict: cause.verdict, en: cause.results.map((r) => r.evidence.en).join(' | '), pl: cause.results.map((r) => r.evidence.pl).join(' | ') };
}

describe('storage account lock check of a blob backup, through the real SDK clients', () => {
  it('lists the locks that apply to an account: its own and those inherited from its resource group', async () => {
    const locks = await azure.listResourceLocks(account('rg-data', 'stlocked'));
    expect(locks.map((l) => ({ name: l.name, level: l.level, scope: l.scope })).sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: 'freeze', level: 'ReadOnly', scope: account('rg-data', 'stlocked') },
      { name: 'rg-no-delete', level: 'CanNotDelete', scope: `${S}/resourceGroups/rg-data` },
    ]);
    expect(await azure.listResourceLocks(account('rg-free', 'stalone'))).toEqual([]);
  });

  it('finds a ReadOnly lock on the account itself likely, in English and Polish', async () => {
    expect(await lockCause('stlocked')).toEqual({
      verdict: 'likely',
      en: 'Storage account stlocked has ReadOnly lock "freeze": it refuses the changes backup and restore make to the account. Remove it, or use a CanNotDelete lock instead.',
      pl: 'Na koncie magazynu stlocked jest blokada ReadOnly "freeze": odrzuca zmiany, które kopia i przywracanie wprowadzają na koncie. Usuń ją albo zastąp blokadą CanNotDelete.',
    });
  });

  it('finds a ReadOnly lock inherited from the resource group', async () => {
    const cause = await lockCause('stinherits', 'rg-readonly');
    expect(cause.verdict).toBe('likely');
    expect(cause.en).toContain('ReadOnly lock "rg-frozen" (inherited from resource group rg-readonly)');
  });

  it('rules the cause out when only CanNotDelete locks apply, or none', async () => {
    expect(await lockCause('stdelete')).toMatchObject({
      verdict: 'ruled-out',
      en: 'No ReadOnly lock applies to storage account stdelete; CanNotDelete lock "keep", CanNotDelete lock "rg-no-delete" (inherited from resource group rg-data) only stop deletion, which backup does not need.',
    });
    expect((await lockCause('stfree')).verdict).toBe('ruled-out');
  });

  it('names the scope and the role when the bot may not read the locks (403)', async () => {
    expect(await lockCause('stdenied')).toMatchObject({
      verdict: 'unknown',
      en: `Cannot read the locks on storage account stdenied (${account('rg-data', 'stdenied')}): the bot's identity needs Reader there (Microsoft.Authorization/locks/read).`,
    });
  });

  it('says the account is gone when Azure answers 404 for it', async () => {
    const cause = await lockCause('stgone');
    expect(cause.verdict).toBe('unknown');
    expect(cause.en).toContain(`Storage account stgone was not found (Azure answered 404 for ${account('rg-data', 'stgone')})`);
  });
});

describe('storage account existence, kind and point-in-time restore of a blob backup, through the real SDK clients', () => {
  it('finds the account gone when Azure answers 404 for it, and present otherwise', async () => {
    expect(await causeOf('UserErrorAzureResourceNotFoundByPlugin', 'blob-storage-account-not-found', 'stgone')).toEqual({
      verdict: 'likely',
      en: `Storage account stgone is no longer at ${account('rg-data', 'stgone')} (Azure answered 404): it was deleted or moved, and the backup instance still points there.`,
      pl: `Konta magazynu stgone nie ma już w ${account('rg-data', 'stgone')} (Azure odpowiedział 404): usunięto je lub przeniesiono, a wystąpienie kopii nadal tam wskazuje.`,
    });
    expect(await causeOf('UserErrorAzureResourceNotFoundByPlugin', 'blob-storage-account-not-found', 'stfree')).toMatchObject({
      verdict: 'ruled-out',
      en: 'Storage account stfree exists where the backup instance points (kind StorageV2, SKU Standard_LRS).',
    });
  });

  it('names the role when the bot may not read the account (403)', async () => {
    expect(await causeOf('UserErrorAzureResourceNotFoundByPlugin', 'blob-storage-account-not-found', 'stdenied')).toMatchObject({
      verdict: 'unknown',
      en: `Cannot read the properties of storage account stdenied (${account('rg-data', 'stdenied')}): the bot's identity needs Reader there.`,
    });
  });

  it('tells a general-purpose v2 standard account from a v1, a premium block blob and a Data Lake one', async () => {
    const code = 'UserErrorUnsupportedStorageAccountType';
    const id = 'blob-storage-account-type-unsupported';
    expect((await causeOf(code, id, 'stfree')).verdict).toBe('ruled-out');
    expect(await causeOf(code, id, 'stv1')).toMatchObject({ verdict: 'likely', en: 'Storage account stv1 is not one blob backup supports: its kind is Storage, not StorageV2 (general-purpose v2).' });
    expect((await causeOf(code, id, 'stpremium')).en).toBe(
      'Storage account stpremium is not one blob backup supports: its kind is BlockBlobStorage, not StorageV2 (general-purpose v2); its SKU Premium_LRS is not a Standard one.',
    );
    expect(await causeOf(code, id, 'sthns')).toMatchObject({
      verdict: 'likely',
      pl: 'Konto magazynu sthns nie jest obsługiwane przez kopię obiektów blob: ma hierarchiczną przestrzeń nazw (Data Lake Storage Gen2).',
    });
  });

  it('finds point-in-time restore off, with what else is off, and on elsewhere', async () => {
    const code = 'UserErrorPitrDisabledOnStorageAccount';
    const id = 'blob-point-in-time-restore-disabled';
    expect(await causeOf(code, id, 'stnopitr')).toEqual({
      verdict: 'likely',
      en: 'Point-in-time restore is off for storage account stnopitr; also off: versioning, change feed, blob soft delete.',
      pl: 'Przywracanie do punktu w czasie jest wyłączone na koncie magazynu stnopitr; wyłączone są też: wersjonowanie, kanał zmian, usuwanie nietrwałe obiektów blob.',
    });
    expect(await causeOf(code, id, 'stfree')).toMatchObject({ verdict: 'ruled-out', en: 'Point-in-time restore is on for storage account stfree (7 days).' });
  });
});
