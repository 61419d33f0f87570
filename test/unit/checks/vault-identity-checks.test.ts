import type { BackupInstance, BackupVaultIdentity, RoleAssignment } from '../../../src/core/azure-port';
import { withDeadline } from '../../../src/core/azure-lookup/azure-deadline';
import { datasourceTargetNotice, resolveDatasourceTarget } from '../../../src/core/checks/datasource-target';
import type { DatasourceCheckTarget } from '../../../src/core/checks/check-types';
import { runChecks } from '../../../src/core/checks/run-checks';
import {
  BuiltInRoles,
  diskScope,
  evaluateVaultRole,
  RoleRequirements,
  snapshotResourceGroupScope,
  storageAccountScope,
  vaultPrincipal,
} from '../../../src/core/checks/vault-identity-checks';
import { CodedError } from '../../../src/core/errors';
import { systemClock } from '../../../src/core/ports';
import { StubAzurePort } from './stub-azure-port';

const SUB = '00000000-0000-0000-0000-000000000001';
const VAULT = { subscriptionId: SUB, resourceGroup: 'rg-backup', name: 'bv-prod-weu' };
const DISK = `/subscriptions/${SUB}/resourceGroups/rg-disks/providers/Microsoft.Compute/disks/disk-data01`;
const SNAPSHOT_RG = `/subscriptions/${SUB}/resourceGroups/rg-snapshots`;
const ACCOUNT = `/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/stblobs01`;
const PRINCIPAL = '11111111-2222-3333-4444-555555555555';

const diskInstance: BackupInstance = {
  id: `/subscriptions/${SUB}/resourceGroups/rg-backup/providers/Microsoft.DataProtection/backupVaults/bv-prod-weu/backupInstances/disk-data01-disk-data01-1`,
  name: 'disk-data01-disk-data01-1',
  vault: VAULT,
  datasourceId: DISK,
  datasourceType: 'Microsoft.Compute/disks',
  snapshotResourceGroupIds: [SNAPSHOT_RG],
};
const blobInstance: BackupInstance = { ...diskInstance, id: `${diskInstance.id}-blob`, name: 'stblobs01-stblobs01-1', datasourceId: ACCOUNT, datasourceType: 'Microsoft.Storage/storageAccounts/blobServices', snapshotResourceGroupIds: [] };
const systemIdentity: BackupVaultIdentity = { type: 'SystemAssigned', principalId: PRINCIPAL, userAssigned: {} };

function assignment(role: { guid: string }, scope: string, principalId = PRINCIPAL): RoleAssignment {
  return { id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${role.guid}`, roleDefinitionGuid: role.guid, scope, principalId };
}

const found = vaultPrincipal(diskInstance, systemIdentity);
if (found.kind !== 'found') throw new Error('the system-assigned identity must be found');

describe('whether the Backup vault identity holds a role on a scope', () => {
  it('passes with the role on the disk itself, and names it', () => {
    const result = evaluateVaultRole('vault-identity-disk-role', RoleRequirements.disk, found, diskScope(DISK), [assignment(BuiltInRoles.diskBackupReader, DISK)]);
    expect(result.status).toBe('pass');
    expect(result.evidence.en).toBe("The Backup vault bv-prod-weu's managed identity has Disk Backup Reader on disk disk-data01.");
    expect(result.evidence.pl).toBe('Tożsamość zarządzana magazynu kopii zapasowych bv-prod-weu ma rolę Disk Backup Reader na dysku disk-data01.');
  });

  it('passes with the role inherited from the resource group, and says where it comes from', () => {
    const result = evaluateVaultRole('vault-identity-disk-role', RoleRequirements.disk, found, diskScope(DISK), [assignment(BuiltInRoles.diskBackupReader, `/subscriptions/${SUB}/resourceGroups/rg-disks`)]);
    expect(result.status).toBe('pass');
    expect(result.evidence.en).toContain('(inherited from resource group rg-disks)');
    expect(result.evidence.pl).toContain('(odziedziczoną z grupy zasobów rg-disks)');
  });

  it('passes with the role inherited from a management group, and names it', () => {
    const result = evaluateVaultRole('vault-identity-disk-role', RoleRequirements.disk, found, diskScope(DISK), [assignment(BuiltInRoles.diskBackupReader, '/providers/Microsoft.Management/managementGroups/contoso-prod')]);
    expect(result.status).toBe('pass');
    expect(result.evidence.en).toContain('(inherited from management group contoso-prod)');
    expect(result.evidence.pl).toContain('(odziedziczoną z grupy zarządzania contoso-prod)');
  });

  it('passes with Contributor on the subscription, which includes what Disk Snapshot Contributor grants', () => {
    const result = evaluateVaultRole('vault-identity-snapshot-rg-role', RoleRequirements.snapshotResourceGroup, found, snapshotResourceGroupScope(SNAPSHOT_RG), [assignment(BuiltInRoles.contributor, `/subscriptions/${SUB}`)]);
    expect(result.status).toBe('pass');
    expect(result.evidence.en).toContain('has Contributor on the snapshot resource group rg-snapshots (inherited from subscription');
    expect(result.evidence.en).toContain('which includes what Disk Snapshot Contributor grants');
  });

  it('fails when the identity has no role there, naming its object id and the role it needs', () => {
    const result = evaluateVaultRole('vault-identity-disk-role', RoleRequirements.disk, found, diskScope(DISK), []);
    expect(result.status).toBe('fail');
    expect(result.evidence.en).toBe(`The Backup vault bv-prod-weu's managed identity (object id ${PRINCIPAL}) has no role on disk disk-data01: it needs Disk Backup Reader there.`);
    expect(result.evidence.pl).toBe(`Tożsamość zarządzana magazynu kopii zapasowych bv-prod-weu (identyfikator obiektu ${PRINCIPAL}) nie ma żadnej roli na dysku disk-data01: potrzebuje tam roli Disk Backup Reader.`);
  });

  it("ignores another principal's assignments", () => {
    const result = evaluateVaultRole('vault-identity-disk-role', RoleRequirements.disk, found, diskScope(DISK), [assignment(BuiltInRoles.diskBackupReader, DISK, '99999999-9999-9999-9999-999999999999')]);
    expect(result.status).toBe('fail');
  });

  it('fails when the identity holds only roles that lack it (Reader, another backup role)', () => {
    const result = evaluateVaultRole('vault-identity-storage-account-role', RoleRequirements.storageAccount, found, storageAccountScope(ACCOUNT), [assignment(BuiltInRoles.reader, ACCOUNT), assignment(BuiltInRoles.diskBackupReader, ACCOUNT)]);
    expect(result.status).toBe('fail');
    expect(result.evidence.en).toBe("The Backup vault bv-prod-weu's managed identity has only Reader, Disk Backup Reader on storage account stblobs01, not Storage Account Backup Contributor.");
  });

  it('does not judge a custom role: unknown, naming it', () => {
    const custom = { guid: 'abcdefab-0000-0000-0000-000000000000' };
    const result = evaluateVaultRole('vault-identity-disk-role', RoleRequirements.disk, found, diskScope(DISK), [assignment(custom, DISK)]);
    expect(result.status).toBe('unknown');
    expect(result.evidence.en).toContain('roles the bot does not judge: custom role abcdefab-0000-0000-0000-000000000000');
  });

  it('reads the storage account from a datasource id that goes on to its blob service', () => {
    expect(storageAccountScope(`${ACCOUNT}/blobServices/default`).id).toBe(ACCOUNT);
  });
});

describe("the backup instance's identity", () => {
  it('is the user-assigned identity the instance names, when it runs as one', () => {
    const uami = `/subscriptions/${SUB}/resourceGroups/rg-id/providers/Microsoft.ManagedIdentity/userAssignedIdentities/backup-uami`;
    const principal = vaultPrincipal({ ...diskInstance, userAssignedIdentityId: uami }, { type: 'SystemAssigned, UserAssigned', principalId: PRINCIPAL, userAssigned: { [uami.toLowerCase()]: { principalId: 'aaaaaaaa-0000-0000-0000-000000000009' } } });
    expect(principal).toMatchObject({ kind: 'found', principalId: 'aaaaaaaa-0000-0000-0000-000000000009', userAssigned: 'backup-uami' });
  });

  it('is missing, and fails the check, when the vault no longer has the user-assigned identity the instance names', async () => {
    const uami = `/subscriptions/${SUB}/resourceGroups/rg-id/providers/Microsoft.ManagedIdentity/userAssignedIdentities/gone-uami`;
    const azure = new StubAzurePort({ vmStatus: new Error('no VM here'), vaultIdentity: systemIdentity });
    const [result] = await runChecks(['vault-identity-disk-role'], { workload: 'azure-disk', backupInstance: { ...diskInstance, userAssignedIdentityId: uami } }, azure, { allowReadOnlyRunCommand: false, clock: systemClock });
    expect(result?.status).toBe('fail');
    expect(result?.evidence.en).toBe('The backup instance runs as the user-assigned identity gone-uami, which the Backup vault bv-prod-weu no longer has, so the backup holds no Disk Backup Reader on disk disk-data01: attach the identity to the vault again.');
    expect(azure.calls).not.toContain('listRoleAssignments');
  });

  it('is missing when the vault has no system-assigned identity', () => {
    const principal = vaultPrincipal(diskInstance, { type: 'None', userAssigned: {} });
    expect(principal.kind).toBe('missing');
  });
});

describe('Run checks on a Backup vault datasource', () => {
  const clock = systemClock;
  const diskTarget: DatasourceCheckTarget = { workload: 'azure-disk', backupInstance: diskInstance };
  const ids = ['vault-identity-disk-role', 'vault-identity-snapshot-rg-role'];

  it('reports the missing disk role and the present snapshot role, reading the vault identity once', async () => {
    const azure = new StubAzurePort({
      vmStatus: new Error('no VM here'),
      vaultIdentity: systemIdentity,
      roleAssignments: { [SNAPSHOT_RG.toLowerCase()]: [assignment(BuiltInRoles.diskSnapshotContributor, SNAPSHOT_RG)] },
    });
    const [disk, snapshots] = await runChecks(ids, diskTarget, azure, { allowReadOnlyRunCommand: false, clock });
    expect(disk).toMatchObject({ checkId: 'vault-identity-disk-role', status: 'fail' });
    expect(snapshots).toMatchObject({ checkId: 'vault-identity-snapshot-rg-role', status: 'pass' });
    expect(azure.calls.filter((c) => c === 'getBackupVaultIdentity')).toHaveLength(1);
    expect(azure.calls).not.toContain('getVmStatus');
  });

  it('says which role the bot lacks to read role assignments (a 403), instead of failing', async () => {
    const forbidden = new CodedError('azure_forbidden', "The bot's identity needs Reader", { status: 403, requiredRole: 'Reader' });
    const azure = new StubAzurePort({ vmStatus: new Error('no VM here'), vaultIdentity: systemIdentity, roleAssignments: { [DISK.toLowerCase()]: forbidden } });
    const [disk] = await runChecks(['vault-identity-disk-role'], diskTarget, azure, { allowReadOnlyRunCommand: false, clock });
    expect(disk?.status).toBe('unknown');
    expect(disk?.evidence.en).toBe(`Cannot read role assignments on ${DISK}: the bot's identity needs Reader there to see the Backup vault's roles.`);
    expect(disk?.evidence.pl).toBe(`Nie można odczytać przypisań ról w zakresie ${DISK}: tożsamość bota potrzebuje tam roli Reader (Czytelnik), aby zobaczyć role magazynu kopii zapasowych.`);
  });

  it('fails the snapshot check when the snapshot resource group is gone (404)', async () => {
    const gone = new CodedError('azure_not_found', 'ResourceGroupNotFound', { status: 404 });
    const azure = new StubAzurePort({ vmStatus: new Error('no VM here'), vaultIdentity: systemIdentity, roleAssignments: { [SNAPSHOT_RG.toLowerCase()]: gone } });
    const [snapshots] = await runChecks(['vault-identity-snapshot-rg-role'], diskTarget, azure, { allowReadOnlyRunCommand: false, clock });
    expect(snapshots?.status).toBe('fail');
    expect(snapshots?.evidence.en).toContain('The snapshot resource group rg-snapshots that the backup instance\'s policy names does not exist (Azure answered 404)');
  });

  it('fails every role check when the vault has no managed identity, and is unknown when the vault cannot be seen', async () => {
    const none = new StubAzurePort({ vmStatus: new Error('no VM here'), vaultIdentity: { type: 'None', userAssigned: {} } });
    const [noIdentity] = await runChecks(['vault-identity-disk-role'], diskTarget, none, { allowReadOnlyRunCommand: false, clock });
    expect(noIdentity?.status).toBe('fail');
    expect(noIdentity?.evidence.en).toContain('has no system-assigned managed identity (identity type None)');
    const unseen = new StubAzurePort({ vmStatus: new Error('no VM here'), vaultIdentity: null });
    const [hidden] = await runChecks(['vault-identity-disk-role'], diskTarget, unseen, { allowReadOnlyRunCommand: false, clock });
    expect(hidden?.status).toBe('unknown');
    expect(hidden?.evidence.en).toContain('give the bot\'s identity Reader on the vault');
  });

  it('checks Reader on the disk encryption set the disk names, and passes a disk without one', async () => {
    const des = `/subscriptions/${SUB}/resourceGroups/rg-keys/providers/Microsoft.Compute/diskEncryptionSets/des-prod`;
    const withSet = new StubAzurePort({ vmStatus: new Error('no VM here'), vaultIdentity: systemIdentity, diskEncryption: { type: 'EncryptionAtRestWithCustomerKey', diskEncryptionSetId: des } });
    const [missing] = await runChecks(['vault-identity-des-reader'], diskTarget, withSet, { allowReadOnlyRunCommand: false, clock });
    expect(missing?.status).toBe('fail');
    expect(missing?.evidence.en).toBe(`The Backup vault bv-prod-weu's managed identity (object id ${PRINCIPAL}) has no role on the disk encryption set des-prod: it needs Reader there.`);
    expect(missing?.evidence.pl).toContain('nie ma żadnej roli na zestawie szyfrowania dysku des-prod: potrzebuje tam roli Reader.');
    const inherited = new StubAzurePort({
      vmStatus: new Error('no VM here'),
      vaultIdentity: systemIdentity,
      diskEncryption: { diskEncryptionSetId: des },
      roleAssignments: { [des.toLowerCase()]: [assignment(BuiltInRoles.reader, `/subscriptions/${SUB}`)] },
    });
    expect((await runChecks(['vault-identity-des-reader'], diskTarget, inherited, { allowReadOnlyRunCommand: false, clock }))[0]?.status).toBe('pass');
    const platform = new StubAzurePort({ vmStatus: new Error('no VM here'), vaultIdentity: systemIdentity, diskEncryption: { type: 'EncryptionAtRestWithPlatformKey' } });
    const [none] = await runChecks(['vault-identity-des-reader'], diskTarget, platform, { allowReadOnlyRunCommand: false, clock });
    expect(none?.status).toBe('pass');
    expect(platform.calls).not.toContain('listRoleAssignments');
  });

  it('answers a VM check on a datasource, and a disk check on a storage account, without calling Azure for them', async () => {
    const azure = new StubAzurePort({ vmStatus: new Error('no VM here'), vaultIdentity: systemIdentity });
    const [vmCheck, diskCheck] = await runChecks(['windows-agent-ready', 'vault-identity-disk-role'], { workload: 'azure-blob', backupInstance: blobInstance }, azure, { allowReadOnlyRunCommand: false, clock });
    expect(vmCheck?.status).toBe('unknown');
    expect(vmCheck?.evidence.en).toContain('This check looks at a VM');
    expect(diskCheck?.status).toBe('unknown');
    expect(diskCheck?.evidence.en).toBe('This check is about a disk; stblobs01-stblobs01-1 protects another kind of datasource.');
    expect(azure.calls).toEqual([]);
  });

  it('answers every storage account check on a disk without calling Azure for it', async () => {
    const azure = new StubAzurePort({ vmStatus: new Error('no VM here'), vaultIdentity: systemIdentity });
    const blobChecks = ['vault-identity-storage-account-role', 'storage-account-read-only-lock', 'storage-account-exists', 'storage-account-kind-supported', 'blob-point-in-time-restore'];
    const results = await runChecks(blobChecks, { workload: 'azure-disk', backupInstance: diskInstance }, azure, { allowReadOnlyRunCommand: false, clock });
    expect(results.map((r) => [r.checkId, r.status, r.evidence.pl])).toEqual(blobChecks.map((id) => [id, 'unknown', 'To sprawdzenie dotyczy konta magazynu; disk-data01-disk-data01-1 chroni inny rodzaj źródła danych.']));
    expect(azure.calls).toEqual([]);
  });
});

describe('finding the backup instance the incident names', () => {
  const datasource = { workload: 'azure-disk' as const, name: 'disk-data01', resourceGroup: 'rg-disks', vaultResourceGroup: 'rg-backup' };

  it('finds the one instance of that disk in that resource group', async () => {
    const other = { ...diskInstance, id: `${diskInstance.id}-other`, datasourceId: DISK.replace('rg-disks', 'rg-other') };
    const azure = new StubAzurePort({ vmStatus: new Error('no VM here'), backupInstances: [other, diskInstance] });
    const lookup = await withDeadline(1000, (d) => resolveDatasourceTarget(azure, { datasource, vault: 'bv-prod-weu', subscriptionId: SUB }, d));
    expect(lookup).toEqual({ kind: 'found', target: { workload: 'azure-disk', backupInstance: diskInstance } });
  });

  it('does not check a datasource the vault does not protect, and says so in both languages', async () => {
    const azure = new StubAzurePort({ vmStatus: new Error('no VM here'), backupInstances: [] });
    const lookup = await withDeadline(1000, (d) => resolveDatasourceTarget(azure, { datasource, vault: 'bv-prod-weu', subscriptionId: SUB }, d));
    if (lookup.kind !== 'not-found') throw new Error(`expected not-found, got ${lookup.kind}`);
    expect(datasourceTargetNotice(lookup, 'en').text).toContain('The Backup vault bv-prod-weu (resource group rg-backup) has no backup instance of disk disk-data01 in resource group rg-disks that the bot can see');
    expect(datasourceTargetNotice(lookup, 'pl').text).toContain('nie ma widocznego dla bota wystąpienia kopii dysku disk-data01 w grupie zasobów rg-disks');
  });

  it('finds the instance a Backup Health alert names by its own name', async () => {
    const azure = new StubAzurePort({ vmStatus: new Error('no VM here'), backupInstances: [diskInstance] });
    const byInstance = { ...datasource, name: 'disk-data01-disk-data01-1', resourceGroup: 'rg-disks' };
    expect((await withDeadline(1000, (d) => resolveDatasourceTarget(azure, { datasource: byInstance, vault: 'bv-prod-weu', subscriptionId: SUB }, d))).kind).toBe('found');
  });

  it('will not guess between two instances that match', async () => {
    const twin = { ...diskInstance, id: `${diskInstance.id}-twin`, datasourceId: DISK.replace(SUB, '00000000-0000-0000-0000-000000000002') };
    const azure = new StubAzurePort({ vmStatus: new Error('no VM here'), backupInstances: [diskInstance, twin] });
    const lookup = await withDeadline(1000, (d) => resolveDatasourceTarget(azure, { datasource, vault: 'bv-prod-weu', subscriptionId: SUB }, d));
    expect(lookup.kind).toBe('ambiguous');
  });

  it('asks Azure nothing without the full vault id, or with a name ARM would not allow', async () => {
    const azure = new StubAzurePort({ vmStatus: new Error('no VM here'), backupInstances: [diskInstance] });
    expect((await withDeadline(1000, (d) => resolveDatasourceTarget(azure, { datasource, vault: 'bv-prod-weu' }, d))).kind).toBe('no-vault');
    expect((await withDeadline(1000, (d) => resolveDatasourceTarget(azure, { datasource: { ...datasource, name: "x' or 1==1" }, vault: 'bv-prod-weu', subscriptionId: SUB }, d))).kind).toBe('no-vault');
    expect(azure.calls).toEqual([]);
  });
});
