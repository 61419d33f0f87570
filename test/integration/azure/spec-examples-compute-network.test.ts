import { LocalSimulatorCredential } from '../../../src/azure/credential';
import { SdkAzureGateway } from '../../../src/azure/sdk-azure-gateway';
import type { VmRef } from '../../../src/core/azure-port';
import { specExample, startSpecReplay, type SpecReplayServer } from './spec-replay-server';

/**
 * The compute, network, locks and Recovery Services vault examples of the Azure REST API
 * specifications (test/fixtures/arm) through the real SDK clients and the gateway: the VM, its
 * extensions, its network interface's effective rules, the restore point collections, the
 * resource group's locks and the vaults, read exactly as Azure documents them.
 */
const sub = String.raw`/subscriptions/[^/]+`;
const rg = String.raw`${sub}/resourceGroups/[^/]+`;
const vmPath = String.raw`${rg}/providers/Microsoft\.Compute/virtualMachines/[^/]+`;

describe('the gateway over the compute, network, locks and vault examples of the REST API specifications', () => {
  let replay: SpecReplayServer;
  let gateway: SdkAzureGateway;
  const vmParams = specExample('compute/VirtualMachine_Get.json').parameters;
  const vm: VmRef = { subscriptionId: String(vmParams['subscriptionId']), resourceGroup: String(vmParams['resourceGroupName']), name: String(vmParams['vmName']) };

  beforeAll(async () => {
    replay = await startSpecReplay([
      { method: 'GET', path: new RegExp(`^${vmPath}$`, 'i'), example: 'compute/VirtualMachine_Get.json' },
      { method: 'GET', path: new RegExp(`^${vmPath}/extensions$`, 'i'), example: 'compute/VirtualMachineExtension_List_MaximumSet_Gen.json' },
      { method: 'POST', path: new RegExp(`^${rg}/providers/Microsoft\\.Network/networkInterfaces/[^/]+/effectiveNetworkSecurityGroups$`, 'i'), example: 'network/NetworkInterfaceEffectiveNSGList.json' },
      { method: 'GET', path: new RegExp(`^${sub}/providers/Microsoft\\.Compute/restorePointCollections$`, 'i'), example: 'compute/RestorePointCollection_ListBySubscription.json' },
      { method: 'GET', path: new RegExp(`^${rg}/providers/Microsoft\\.Compute/restorePointCollections/[^/]+$`, 'i'), example: 'compute/RestorePointCollection_Get.json' },
      { method: 'GET', path: new RegExp(`^${rg}/providers/Microsoft\\.Authorization/locks$`, 'i'), example: 'locks/ManagementLocks_ListAtResourceGroupLevel.json' },
      { method: 'GET', path: new RegExp(`^${sub}/providers/Microsoft\\.RecoveryServices/vaults$`, 'i'), example: 'recoveryservices/ListBySubscriptionIds.json' },
      { method: 'GET', path: new RegExp(`^${rg}/providers/Microsoft\\.RecoveryServices/vaults/[^/]+/backupFabrics/Azure/protectionContainers/[^/]+$`, 'i'), example: 'recoveryservicesbackup/ProtectionContainers_Get.json' },
    ]);
    gateway = new SdkAzureGateway({
      credential: new LocalSimulatorCredential(),
      endpoint: replay.endpoint,
      ca: replay.caPem,
      retry: { maxRetries: 0, retryDelayInMs: 1, maxRetryDelayInMs: 1 },
      lroPollIntervalInMs: 1,
      subscriptionIds: [String(specExample('recoveryservices/ListBySubscriptionIds.json').parameters['subscriptionId'])],
    });
  });

  afterAll(async () => {
    await replay.close();
  });

  it('reads a VM whose location is a display name ("West US"), its OS and its network interface', async () => {
    const status = await gateway.getVmStatus(vm);
    expect(status).toMatchObject({
      id: '/subscriptions/{subscription-id}/resourceGroups/myResourceGroup/providers/Microsoft.Compute/virtualMachines/myVM',
      osType: 'Windows',
      location: 'West US',
      networkInterfaceIds: ['/subscriptions/{subscription-id}/resourceGroups/myResourceGroup/providers/Microsoft.Network/networkInterfaces/{myNIC}'],
    });
    // This example carries no instanceView: the agent and power state stay unknown rather than guessed.
    expect(status.powerState).toBeUndefined();
    expect(status.agentVersion).toBeUndefined();
  });

  it('lists the extensions with their own type, not the resource type', async () => {
    expect(await gateway.listVmExtensions(vm)).toEqual([{ name: 'myVMExtension', publisher: 'extPublisher', type: 'extType', typeHandlerVersion: '1.2', provisioningState: 'Creating' }]);
  });

  it('reads the effective security rules of the VM\'s network interface', async () => {
    const rules = await gateway.listEffectiveSecurityRules(vm);
    expect(rules.map((r) => [r.name, r.direction, r.access, r.priority, r.destinationPortRanges])).toEqual([
      ['securityRules/rule1', 'Inbound', 'Allow', 234, ['6579-6579']],
      ['securityRules/default-allow-rdp', 'Inbound', 'Allow', 1000, ['3389-3389']],
      ['defaultSecurityRules/AllowInternetOutBound', 'Outbound', 'Allow', 65001, ['0-65535']],
    ]);
    expect(rules[2]?.expandedDestinationAddressPrefix).toEqual(['32.0.0.0/3', '4.0.0.0/6', '2.0.0.0/7', '1.0.0.0/8']);
    expect(replay.requests.filter((r) => /effectiveNetworkSecurityGroups$/i.test(r))).toEqual([
      'POST /subscriptions/{subscription-id}/resourceGroups/myResourceGroup/providers/Microsoft.Network/networkInterfaces/{myNIC}/effectiveNetworkSecurityGroups',
    ]);
  });

  it('ties a restore point collection to its VM by its source, not to the other VM\'s collection', async () => {
    const collections = await gateway.listRestorePointCollections({ subscriptionId: vm.subscriptionId, resourceGroup: 'myResourceGroup', name: 'VM_Test' });
    expect(collections).toEqual([
      expect.objectContaining({ name: 'restorePointCollection1', resourceGroup: 'resourceGroup1', matchedBy: 'source', location: 'westus', restorePointCount: 0 }),
    ]);
  });

  it('reads the resource group\'s locks with their level and scope', async () => {
    const locks = await gateway.listResourceGroupLocks('subscriptionId', 'resourcegroupname');
    expect(locks).toEqual([expect.objectContaining({ name: 'testlock', level: 'ReadOnly', id: '/subscriptions/subscriptionId/resourceGroups/resourcegroupname/providers/Microsoft.Authorization/locks/testlock' })]);
  });

  it('lists the Recovery Services vaults of the subscription', async () => {
    expect(await gateway.listVaults()).toEqual([
      { subscriptionId: '77777777-b0c6-47a2-b37c-d8e65a629c18', resourceGroup: 'Default-RecoveryServices-ResourceGroup', name: 'patchtest' },
      { subscriptionId: '77777777-b0c6-47a2-b37c-d8e65a629c18', resourceGroup: 'HelloWorld', name: 'swaggerExample' },
      { subscriptionId: '77777777-b0c6-47a2-b37c-d8e65a629c18', resourceGroup: 'HelloWorld', name: 'today1' },
    ]);
  });

  it('reads the SQL VM\'s workload container; a registration state the example does not carry stays unknown', async () => {
    const p = specExample('recoveryservicesbackup/ProtectionContainers_Get.json').parameters;
    const vault = { subscriptionId: String(p['subscriptionId']), resourceGroup: String(p['resourceGroupName']), name: String(p['vaultName']) };
    const container = await gateway.getWorkloadContainer(vault, { subscriptionId: vault.subscriptionId, resourceGroup: 'testRG', name: 'testSQL' });
    expect(container).toEqual({ name: 'VMAppContainer;Compute;testRG;testSQL', registrationStatus: undefined, healthStatus: undefined });
    expect(replay.requests).toContain('GET /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/testRg/providers/Microsoft.RecoveryServices/vaults/testVault/backupFabrics/Azure/protectionContainers/VMAppContainer;Compute;testRG;testSQL');
  });
});
