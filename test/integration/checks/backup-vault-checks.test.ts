import type { SdkAzureGateway } from '../../../src/azure/sdk-azure-gateway';
import { type Harness, startHarness } from '../azure/simulator-harness';
import type { ScenarioInput } from '../../../dev/arm-simulator/scenario';
import type { VaultRef } from '../../../src/core/azure-port';
import { withDeadline } from '../../../src/core/azure-lookup/azure-deadline';
import { resolveDatasourceTarget } from '../../../src/core/checks/datasource-target';
import type { SessionDatasource } from '../../../src/core/troubleshoot/session';
import { runChecksForCode } from '../../../src/core/checks/run-checks';
import { systemClock } from '../../../src/core/ports';
import { loadKnowledgeBase } from '../../../src/knowledge/load-knowledge-base';

/**
 * The Backup vault datasource checks through the real SDK clients (Resource Graph for the backup
 * instance and the vault's identity, Microsoft.Authorization for the role assignments) against the
 * ARM simulator, whose answers are shaped as the REST API specs' examples (dev/arm-simulator/backup-vaults.ts).
 */
const SUB = '00000000-0000-0000-0000-0000000000b1';
const S = `/subscriptions/${SUB}`;
const PRINCIPAL = 'b0b0b0b0-0000-4000-8000-0000000000b1';
const PRINCIPAL_MG = 'b0b0b0b0-0000-4000-8000-0000000000b2';
const disk = (rg: string, name: string): string => `${S}/resourceGroups/${rg}/providers/Microsoft.Compute/disks/${name}`;
const account = (rg: string, name: string): string => `${S}/resourceGroups/${rg}/providers/Microsoft.Storage/storageAccounts/${name}`;
const group = (name: string): { name: string } => ({ name });

const scenario: ScenarioInput = {
  name: 'backup-vault-checks',
  denials: [{ scope: `${S}/resourceGroups/rg-denied`, actions: ['Microsoft.Authorization/roleAssignments/read'] }],
  roleAssignments: [
    // Inherited by every disk of rg-disks.
    { scope: `${S}/resourceGroups/rg-disks`, principalId: PRINCIPAL, role: 'Disk Backup Reader' },
    { scope: `${S}/resourceGroups/rg-snap`, principalId: PRINCIPAL, role: 'Disk Snapshot Contributor' },
    // Below the snapshot resource group, on one snapshot: it does not apply to the group.
    { scope: `${S}/resourceGroups/rg-snap2/providers/Microsoft.Compute/snapshots/old`, principalId: PRINCIPAL, role: 'Disk Snapshot Contributor' },
    // Another principal's role on the disk the vault lacks it on.
    { scope: disk('rg-other', 'disk-norole'), principalId: 'c0c0c0c0-0000-4000-8000-000000000001', role: 'Disk Backup Reader' },
    { scope: account('rg-data', 'stok'), principalId: PRINCIPAL, role: 'Storage Account Backup Contributor' },
    { scope: `${S}/resourceGroups/rg-disks/providers/Microsoft.Compute/diskEncryptionSets/des-cmk`, principalId: PRINCIPAL, role: 'Reader' },
    // The second vault's identity: Disk Backup Reader from a management group.
    { scope: '/providers/Microsoft.Management/managementGroups/contoso', principalId: PRINCIPAL_MG, role: 'Disk Backup Reader' },
    { scope: account('rg-data', 'streader'), principalId: PRINCIPAL, role: 'Reader' },
  ],
  subscriptions: [
    {
      id: SUB,
      resourceGroups: [
        {
          name: 'rg-backup',
          backupVaults: [
            {
              name: 'bv-test',
              principalId: PRINCIPAL,
              backupInstances: [
                { datasource: disk('rg-disks', 'disk-ok'), snapshotResourceGroup: 'rg-snap' },
                { datasource: disk('rg-other', 'disk-norole'), snapshotResourceGroup: 'rg-snap2' },
                { datasource: disk('rg-disks', 'disk-gone'), snapshotResourceGroup: 'rg-missing' },
                { datasource: disk('rg-denied', 'disk-denied'), snapshotResourceGroup: 'rg-snap' },
                { datasource: disk('rg-disks', 'disk-cmk'), snapshotResourceGroup: 'rg-snap' },
                { datasource: account('rg-data', 'stok') },
                { datasource: account('rg-data', 'streader') },
              ],
            },
            { name: 'bv-noid', backupInstances: [{ datasource: disk('rg-disks', 'disk-noid'), snapshotResourceGroup: 'rg-snap' }] },
            { name: 'bv-mg', principalId: PRINCIPAL_MG, backupInstances: [{ datasource: disk('rg-other', 'disk-mg'), snapshotResourceGroup: 'rg-snap' }] },
          ],
        },
        { name: 'rg-disks', disks: [{ name: 'disk-ok' }, { name: 'disk-cmk', diskEncryptionSet: 'des-cmk' }] },
        { name: 'rg-other', disks: [{ name: 'disk-norole', diskEncryptionSet: `${S}/resourceGroups/rg-keys/providers/Microsoft.Compute/diskEncryptionSets/des-other` }] },
        group('rg-snap'),
        group('rg-keys'),
        group('rg-snap2'),
        group('rg-denied'),
        group('rg-data'),
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

async function checksFor(code: string, datasource: SessionDatasource, vault = 'bv-test'): Promise<Record<string, { verdict: string; evidence: string }>> {
  const lookup = await withDeadline(8000, (d) => resolveDatasourceTarget(azure, { datasource, vault, subscriptionId: SUB }, d));
  if (lookup.kind !== 'found') throw new Error(`not found: ${lookup.kind}`);
  const report = await runChecksForCode(knowledge, code, lookup.target, azure, { allowReadOnlyRunCommand: false, clock: systemClock });
  return Object.fromEntries(report.causes.map((c) => [c.causeId, { verdict: c.verdict, evidence: c.results.map((r) => r.evidence.en).join(' | ') }]));
}

const diskSource = (name: string, resourceGroup: string): SessionDatasource => ({ workload: 'azure-disk', name, resourceGroup, vaultResourceGroup: 'rg-backup' });

describe('Backup vault datasource checks through the real SDK clients', () => {
  it('reads the backup instance (datasource, snapshot resource group) and the vault identity through Resource Graph', async () => {
    const vault: VaultRef = { subscriptionId: SUB, resourceGroup: 'rg-backup', name: 'bv-test' };
    const [instance] = await azure.listBackupInstances(vault, 'disk-ok');
    expect(instance).toMatchObject({ datasourceId: disk('rg-disks', 'disk-ok'), datasourceType: 'Microsoft.Compute/disks', snapshotResourceGroupIds: [`${S}/resourceGroups/rg-snap`], vault });
    expect(await azure.listBackupInstances({ ...vault, name: 'bv-noid' }, 'disk-ok')).toEqual([]);
    expect(await azure.getBackupVaultIdentity(vault)).toEqual({ type: 'SystemAssigned', principalId: PRINCIPAL, userAssigned: {} });
    expect(await azure.getBackupVaultIdentity({ ...vault, name: 'bv-nowhere' })).toBeUndefined();
  });

  it('rules out both causes when the identity holds Disk Backup Reader (inherited) and Disk Snapshot Contributor', async () => {
    const causes = await checksFor('UserErrorDiskBackupAuthorizationFailed', diskSource('disk-ok', 'rg-disks'));
    expect(causes['disk-vault-identity-missing-disk-role']).toEqual({ verdict: 'ruled-out', evidence: "The Backup vault bv-test's managed identity has Disk Backup Reader on disk disk-ok (inherited from resource group rg-disks)." });
    expect(causes['disk-vault-identity-missing-snapshot-rg-role']).toEqual({ verdict: 'ruled-out', evidence: "The Backup vault bv-test's managed identity has Disk Snapshot Contributor on the snapshot resource group rg-snap." });
  });

  it('finds both roles missing, ignoring another principal and an assignment below the snapshot resource group', async () => {
    const causes = await checksFor('UserErrorDiskBackupAuthorizationFailed', diskSource('disk-norole', 'rg-other'));
    expect(causes['disk-vault-identity-missing-disk-role']).toEqual({
      verdict: 'likely',
      evidence: `The Backup vault bv-test's managed identity (object id ${PRINCIPAL}) has no role on disk disk-norole: it needs Disk Backup Reader there.`,
    });
    expect(causes['disk-vault-identity-missing-snapshot-rg-role']?.verdict).toBe('likely');
    expect(causes['disk-vault-identity-missing-snapshot-rg-role']?.evidence).toContain('has no role on the snapshot resource group rg-snap2');
  });

  it('says the snapshot resource group is gone when Azure answers 404 for it', async () => {
    const causes = await checksFor('UserErrorSnapshotRGNotFound', diskSource('disk-gone', 'rg-disks'));
    expect(causes['disk-vault-identity-missing-snapshot-rg-role']?.verdict).toBe('likely');
    expect(causes['disk-vault-identity-missing-snapshot-rg-role']?.evidence).toContain('The snapshot resource group rg-missing that the backup instance\'s policy names does not exist (Azure answered 404)');
  });

  it('names the scope and the role when the bot may not read role assignments (403), and still judges what it can read', async () => {
    const causes = await checksFor('UserErrorDiskBackupAuthorizationFailed', diskSource('disk-denied', 'rg-denied'));
    expect(causes['disk-vault-identity-missing-disk-role']).toEqual({
      verdict: 'unknown',
      evidence: `Cannot read role assignments on ${disk('rg-denied', 'disk-denied')}: the bot's identity needs Reader there to see the Backup vault's roles.`,
    });
    expect(causes['disk-vault-identity-missing-snapshot-rg-role']?.verdict).toBe('ruled-out');
  });

  it('finds the vault without a managed identity', async () => {
    const causes = await checksFor('UserErrorNotEnoughPermissionOnDisk', diskSource('disk-noid', 'rg-disks'), 'bv-noid');
    expect(causes['disk-vault-identity-missing-disk-role']?.verdict).toBe('likely');
    expect(causes['disk-vault-identity-missing-disk-role']?.evidence).toContain('The Backup vault bv-noid has no system-assigned managed identity (identity type None)');
  });

  it('checks Storage Account Backup Contributor on the storage account of a blob backup', async () => {
    const blob = (name: string): SessionDatasource => ({ workload: 'azure-blob', name, resourceGroup: 'rg-data', vaultResourceGroup: 'rg-backup' });
    expect((await checksFor('UserErrorMissingRequiredPermissions', blob('stok')))['blob-vault-identity-missing-storage-role']?.verdict).toBe('ruled-out');
    const reader = (await checksFor('UserErrorMissingRequiredPermissions', blob('streader')))['blob-vault-identity-missing-storage-role'];
    expect(reader).toEqual({ verdict: 'likely', evidence: "The Backup vault bv-test's managed identity has only Reader on storage account streader, not Storage Account Backup Contributor." });
  });

  it('checks Reader on the disk encryption set of a disk with a customer-managed key, read from the disk itself', async () => {
    const code = 'UserErrorMSIPermissionsNotPresentOnDES';
    expect(await azure.getDiskEncryption(disk('rg-disks', 'disk-cmk'))).toEqual({ type: 'EncryptionAtRestWithCustomerKey', diskEncryptionSetId: `${S}/resourceGroups/rg-disks/providers/Microsoft.Compute/diskEncryptionSets/des-cmk` });
    expect((await checksFor(code, diskSource('disk-cmk', 'rg-disks')))['disk-vault-identity-missing-des-reader']).toEqual({
      verdict: 'ruled-out',
      evidence: "The Backup vault bv-test's managed identity has Reader on the disk encryption set des-cmk.",
    });
    const other = (await checksFor(code, diskSource('disk-norole', 'rg-other')))['disk-vault-identity-missing-des-reader'];
    expect(other).toEqual({ verdict: 'likely', evidence: `The Backup vault bv-test's managed identity (object id ${PRINCIPAL}) has no role on the disk encryption set des-other: it needs Reader there.` });
    expect((await checksFor(code, diskSource('disk-ok', 'rg-disks')))['disk-vault-identity-missing-des-reader']).toEqual({
      verdict: 'ruled-out',
      evidence: 'Disk disk-ok uses no disk encryption set (encryption EncryptionAtRestWithPlatformKey), so the vault has no encryption set to read.',
    });
  });

  it('says whether the disk is still where the backup instance points (a deleted or moved disk answers 404)', async () => {
    const code = 'UserErrorDiskBackupDiskOrMSIPermissionsNotPresent';
    expect((await checksFor(code, diskSource('disk-ok', 'rg-disks')))['disk-source-deleted-or-moved']?.verdict).toBe('ruled-out');
    const gone = (await checksFor(code, diskSource('disk-gone', 'rg-disks')))['disk-source-deleted-or-moved'];
    expect(gone).toEqual({ verdict: 'likely', evidence: `Disk disk-gone is no longer at ${disk('rg-disks', 'disk-gone')} (Azure answered 404): it was deleted or moved, and the backup instance still points there.` });
  });

  it('counts a role inherited from a management group', async () => {
    const causes = await checksFor('UserErrorNotEnoughPermissionOnDisk', diskSource('disk-mg', 'rg-other'), 'bv-mg');
    expect(causes['disk-vault-identity-missing-disk-role']).toEqual({
      verdict: 'ruled-out',
      evidence: "The Backup vault bv-mg's managed identity has Disk Backup Reader on disk disk-mg (inherited from management group contoso).",
    });
  });

  it('does not check a datasource the vault does not protect', async () => {
    const lookup = await withDeadline(8000, (d) => resolveDatasourceTarget(azure, { datasource: diskSource('disk-ok', 'rg-elsewhere'), vault: 'bv-test', subscriptionId: SUB }, d));
    expect(lookup.kind).toBe('not-found');
  });
});
