import { LocalSimulatorCredential } from '../../../src/azure/credential';
import { SdkAzureGateway } from '../../../src/azure/sdk-azure-gateway';
import type { VaultRef } from '../../../src/core/azure-port';
import { specExample, startSpecReplay, type SpecReplayServer } from './spec-replay-server';

/**
 * The Azure REST API specifications' example responses (test/fixtures/arm) through the real SDK
 * clients and the gateway: what the gateway makes of Azure's answers exactly as Azure documents them.
 */
const vaultPath = String.raw`/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.RecoveryServices/vaults/[^/]+`;
const itemPath = String.raw`${vaultPath}/backupFabrics/Azure/protectionContainers/[^/]+/protectedItems/[^/]+`;

describe('the gateway over the REST API specifications\' example responses', () => {
  let replay: SpecReplayServer;
  let gateway: SdkAzureGateway;
  const params = specExample('recoveryservicesbackup/GetJobDetails.json').parameters;
  const vault: VaultRef = { subscriptionId: String(params['subscriptionId']), resourceGroup: String(params['resourceGroupName']), name: String(params['vaultName']) };

  beforeAll(async () => {
    replay = await startSpecReplay([
      { method: 'GET', path: new RegExp(`^${vaultPath}/backupJobs$`, 'i'), example: 'recoveryservicesbackup/ListJobsWithAllSupportedFilters.json' },
      { method: 'GET', path: new RegExp(`^${vaultPath}/backupJobs/[^/]+$`, 'i'), example: 'recoveryservicesbackup/GetJobDetails.json' },
      { method: 'GET', path: new RegExp(`^${vaultPath}/backupProtectedItems$`, 'i'), example: 'recoveryservicesbackup/BackupProtectedItems_List.json' },
      { method: 'POST', path: new RegExp(`^${itemPath}/backup$`, 'i'), example: 'recoveryservicesbackup/TriggerBackup_Post.json' },
      { method: 'GET', path: new RegExp(`^${itemPath}/operationsStatus/[^/]+$`, 'i'), example: 'recoveryservicesbackup/ProtectedItemOperationStatus.json' },
    ]);
    gateway = new SdkAzureGateway({
      credential: new LocalSimulatorCredential(),
      endpoint: replay.endpoint,
      ca: replay.caPem,
      retry: { maxRetries: 0, retryDelayInMs: 1, maxRetryDelayInMs: 1 },
      lroPollIntervalInMs: 1,
    });
  });

  afterAll(async () => {
    await replay.close();
  });

  it('reads a job without containerName or extendedInfo, and does not tie it to a VM the vault does not protect by that name', async () => {
    const jobs = await gateway.listFailedBackupJobs(vault, { from: new Date('2016-01-01T00:00:00Z'), to: new Date('2017-11-29T00:00:00Z') });
    expect(jobs).toEqual([
      expect.objectContaining({ id: '00000000-0000-0000-0000-000000000000', vmName: 'testvm', operation: 'Backup', status: 'InProgress', errors: [], vmResourceGroup: undefined }),
    ]);
    // The only protected item is "iaasvm-1": the gateway asked, and found no VM called "testvm".
    expect(replay.requests.some((r) => /backupProtectedItems$/i.test(r))).toBe(true);
  });

  it('reads one job by id', async () => {
    const job = await gateway.getBackupJob(vault, '00000000-0000-0000-0000-000000000000');
    expect(job).toMatchObject({ id: '00000000-0000-0000-0000-000000000000', vmName: 'testvm', status: 'InProgress', startTime: new Date('2017-08-03T05:31:07.014604Z') });
    expect(job.dynamicErrorMessage).toBeUndefined();
  });

  it('reads a protected item whose id has no backupFabrics segment and whose classic VM id has no resource group', async () => {
    const [item, ...rest] = await gateway.listProtectedVms(vault);
    expect(rest).toEqual([]);
    expect(item).toMatchObject({
      friendlyName: 'iaasvm-1',
      containerName: 'IaasVMContainer;iaasvmcontainer;iaasvm-rg;iaasvm-1',
      protectedItemName: 'VM;iaasvmcontainer;iaasvm-rg;iaasvm-1',
      vm: { subscriptionId: '00000000-0000-0000-0000-000000000000', resourceGroup: 'iaasvm-rg', name: 'iaasvm-1' },
      protectionState: 'Protected',
      lastBackupStatus: 'Completed',
    });
  });

  it('triggers a backup: the 202 names an operation on another host, which leads to the job', async () => {
    const trigger = specExample('recoveryservicesbackup/TriggerBackup_Post.json').parameters;
    const triggerVault: VaultRef = { subscriptionId: String(trigger['subscriptionId']), resourceGroup: String(trigger['resourceGroupName']), name: String(trigger['vaultName']) };
    const result = await gateway.triggerBackup({
      vault: triggerVault,
      vm: { subscriptionId: triggerVault.subscriptionId, resourceGroup: 'testrg', name: 'v1win2012r' },
      friendlyName: 'v1win2012r',
      containerName: String(trigger['containerName']),
      protectedItemName: String(trigger['protectedItemName']),
    });
    expect(result).toEqual({ jobId: '00000000-0000-0000-0000-000000000000' });
    expect(replay.requests.filter((r) => /\/operationsStatus\//i.test(r))).toEqual([
      `GET /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/linuxRsVaultRG/providers/Microsoft.RecoveryServices/vaults/linuxRsVault/backupFabrics/Azure/protectionContainers/IaasVMContainer;iaasvmcontainerv2;testrg;v1win2012r/protectedItems/VM;iaasvmcontainerv2;testrg;v1win2012r/operationsStatus/00000000-0000-0000-0000-000000000000`,
    ]);
  });
});
