import { LocalSimulatorCredential } from '../../../src/azure/credential';
import { SdkAzureGateway } from '../../../src/azure/sdk-azure-gateway';
import type { VaultRef } from '../../../src/core/azure-port';
import { evaluateBlobRestore, evaluateStorageAccountLocks } from '../../../src/core/checks/storage-account-checks';
import { type ReplayRoute, startSpecReplay, type SpecReplayServer } from './spec-replay-server';

/**
 * What the Backup vault checks read, from the Azure REST API specifications' examples
 * (test/fixtures/arm/README.md): a role assignment list (authorization RoleAssignments_ListForScope),
 * a disk (compute Disk_Get), and Resource Graph answers whose rows are the dataprotection examples'
 * backup instance and vault, through the real SDK clients and the gateway.
 */
const sub = String.raw`/subscriptions/[^/]+`;

async function gatewayOver(routes: readonly ReplayRoute[]): Promise<{ replay: SpecReplayServer; gateway: SdkAzureGateway }> {
  const replay = await startSpecReplay(routes);
  const gateway = new SdkAzureGateway({ credential: new LocalSimulatorCredential(), endpoint: replay.endpoint, ca: replay.caPem, retry: { maxRetries: 0, retryDelayInMs: 1, maxRetryDelayInMs: 1 } });
  return { replay, gateway };
}

describe('the gateway over the role assignment, disk and backup instance examples', () => {
  let replay: SpecReplayServer;
  let gateway: SdkAzureGateway;

  beforeAll(async () => {
    ({ replay, gateway } = await gatewayOver([
      { method: 'GET', path: new RegExp(`^${sub}/providers/Microsoft\\.Authorization/roleAssignments$`, 'i'), example: 'authorization/RoleAssignments_ListForScope.json' },
      { method: 'GET', path: new RegExp(`^${sub}/resourceGroups/[^/]+/providers/Microsoft\\.Compute/disks/[^/]+$`, 'i'), example: 'compute/Disk_Get.json' },
      { method: 'POST', path: /^\/providers\/Microsoft\.ResourceGraph\/resources$/i, example: 'dataprotection/ResourceGraph_BackupInstance.json' },
    ]));
  });
  afterAll(async () => {
    await replay.close();
  });

  it('reads a role assignment: its role definition GUID from a tenant-level role definition id, and where it is assigned', async () => {
    const scope = '/subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2';
    expect(await gateway.listRoleAssignments(scope, 'ce2ce14e-85d7-4629-bdbc-454d0519d987')).toEqual([
      {
        id: '/subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2/providers/Microsoft.Authorization/roleAssignments/b0f43c54-e787-4862-89b1-a653fa9cf747',
        roleDefinitionGuid: '0b5fe924-9a61-425c-96af-cfe6e287ca2d',
        scope,
        principalId: 'ce2ce14e-85d7-4629-bdbc-454d0519d987',
      },
    ]);
    expect(replay.requests.at(-1)).toBe(`GET ${scope}/providers/Microsoft.Authorization/roleAssignments`);
  });

  it('reads a disk encrypted with a platform-managed key: no disk encryption set', async () => {
    expect(await gateway.getDiskEncryption('/subscriptions/{subscription-id}/resourceGroups/myResourceGroup/providers/Microsoft.Compute/disks/myManagedDisk')).toEqual({ type: 'EncryptionAtRestWithPlatformKey' });
  });

  it('reads a backup instance: its datasource and the operational store resource group of its policy', async () => {
    const vault: VaultRef = { subscriptionId: '04cf684a-d41f-4550-9f70-7708a3a2283b', resourceGroup: '000pikumar', name: 'PratikPrivatePreviewVault1' };
    expect(await gateway.listBackupInstances(vault, 'testdb')).toEqual([
      {
        id: '/subscriptions/04cf684a-d41f-4550-9f70-7708a3a2283b/resourceGroups/000pikumar/providers/Microsoft.DataProtection/backupVaults/PratikPrivatePreviewVault1/backupInstances/harshitbi2',
        name: 'harshitbi2',
        vault,
        datasourceId: '/subscriptions/f75d8d8b-6735-4697-82e1-1a7a3ff0d5d4/resourceGroups/viveksipgtest/providers/Microsoft.DBforPostgreSQL/servers/viveksipgtest/databases/testdb',
        datasourceType: 'OssDB',
        snapshotResourceGroupIds: ['/subscriptions/f75d8d8b-6735-4697-82e1-1a7a3ff0d5d4/resourceGroups/viveksipgtest'],
      },
    ]);
  });
});

describe('the gateway over the Backup vault example', () => {
  it("reads the vault's system-assigned identity", async () => {
    const { replay, gateway } = await gatewayOver([{ method: 'POST', path: /^\/providers\/Microsoft\.ResourceGraph\/resources$/i, example: 'dataprotection/ResourceGraph_BackupVault.json' }]);
    try {
      const vault: VaultRef = { subscriptionId: '0b352192-dcac-4cc7-992e-a96190ccc68c', resourceGroup: 'SampleResourceGroup', name: 'swaggerExample' };
      expect(await gateway.getBackupVaultIdentity(vault)).toEqual({ type: 'SystemAssigned', principalId: 'c009b9a0-0024-417c-83cd-025d3776045d', userAssigned: {} });
    } finally {
      await replay.close();
    }
  });
});

describe('the gateway over the locks example', () => {
  it("reads a ReadOnly lock inherited from the account's resource group, which the check names", async () => {
    // The specs publish no example for listing at a resource; the list at a scope answers the same ManagementLockListResult.
    // A top-level resource has no parent path: the SDK sends an empty segment ("Microsoft.Storage//storageAccounts"), as the Azure CLI does.
    const { replay, gateway } = await gatewayOver([
      { method: 'GET', path: new RegExp(`^${sub}/resourcegroups/[^/]+/providers/Microsoft\\.Storage//storageAccounts/[^/]+/providers/Microsoft\\.Authorization/locks$`, 'i'), example: 'locks/ManagementLocks_ListAtScope.json' },
    ]);
    try {
      const account = '/subscriptions/subscriptionId/resourceGroups/resourcegroupname/providers/Microsoft.Storage/storageAccounts/stexample';
      const locks = await gateway.listResourceLocks(account);
      expect(locks).toEqual([{ id: '/subscriptions/subscriptionId/resourceGroups/resourcegroupname/providers/Microsoft.Authorization/locks/testlock', name: 'testlock', level: 'ReadOnly', notes: undefined, scope: '/subscriptions/subscriptionId/resourceGroups/resourcegroupname' }]);
      expect(evaluateStorageAccountLocks('storage-account-read-only-lock', account, locks)).toMatchObject({ status: 'fail', evidence: { en: expect.stringContaining('ReadOnly lock "testlock" (inherited from resource group resourcegroupname)') } });
    } finally {
      await replay.close();
    }
  });
});

describe('the gateway over the file share list examples', () => {
  const shares = new RegExp(`^${sub}/resourceGroups/[^/]+/providers/Microsoft\\.Storage/storageAccounts/[^/]+/fileServices/default/shares$`, 'i');
  const account = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/res9290/providers/Microsoft.Storage/storageAccounts/sto1590';

  it('reads a soft-deleted share by its name (its id carries the version), beside a live one', async () => {
    const { replay, gateway } = await gatewayOver([{ method: 'GET', path: shares, example: 'storage/DeletedFileSharesList.json' }]);
    try {
      expect(await gateway.getFileShareState(account, 'share1644')).toEqual({ live: false, softDeleted: [{ version: '1234567890', deletedTime: new Date('2019-12-14T08:20:47Z'), remainingRetentionDays: 30 }], snapshotCount: 0 });
      expect(await gateway.getFileShareState(account, 'share4052')).toEqual({ live: true, softDeleted: [], snapshotCount: 0 });
    } finally {
      await replay.close();
    }
  });

  it('counts a share\'s snapshots: the items of its name with a snapshotTime', async () => {
    const { replay, gateway } = await gatewayOver([{ method: 'GET', path: shares, example: 'storage/FileShareSnapshotsList.json' }]);
    try {
      expect(await gateway.getFileShareState(account, 'share4052')).toEqual({ live: true, softDeleted: [], snapshotCount: 1 });
    } finally {
      await replay.close();
    }
  });
});

describe('the gateway over the blob service example', () => {
  it('reads versioning, change feed and blob soft delete on, and no restore policy: point-in-time restore is off', async () => {
    const { replay, gateway } = await gatewayOver([
      { method: 'GET', path: new RegExp(`^${sub}/resourceGroups/[^/]+/providers/Microsoft\\.Storage/storageAccounts/[^/]+/blobServices/default$`, 'i'), example: 'storage/BlobServicesGet.json' },
    ]);
    try {
      const account = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/res4410/providers/Microsoft.Storage/storageAccounts/sto8607';
      const settings = await gateway.getBlobRestoreSettings(account);
      expect(settings).toEqual({ pointInTimeRestore: false, versioning: true, changeFeed: true, blobSoftDelete: true });
      expect(evaluateBlobRestore('blob-point-in-time-restore', account, settings)).toMatchObject({ status: 'fail', evidence: { en: 'Point-in-time restore is off for storage account sto8607.' } });
    } finally {
      await replay.close();
    }
  });
});
