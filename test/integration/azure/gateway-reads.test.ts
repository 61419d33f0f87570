import { PROD_VAULT, SUB, startHarness, vmRef, type Harness } from './simulator-harness';

/** Reads through the real SDK clients against the simulator: paging, filters, quirks, mapping. */
describe('SdkAzureGateway reads against the ARM simulator', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ settings: { pageSize: 2 } });
  });
  afterAll(async () => {
    await h.sim.close();
  });

  const pagesServed = (pathPart: string): number => h.sim.requests.filter((r) => r.path.toLowerCase().includes(pathPart.toLowerCase()) && r.status === 200).length;

  it('lists the vaults of every subscription the identity can see', async () => {
    const vaults = await h.gateway.listVaults();
    expect(vaults).toEqual([
      { subscriptionId: SUB, resourceGroup: 'rg-backup', name: 'rsv-prod-weu' },
      { subscriptionId: SUB, resourceGroup: 'rg-backup-neu', name: 'rsv-dr-neu' },
    ]);
    expect(h.sim.requests.some((r) => r.path === '/subscriptions')).toBe(true);
  });

  it('lists the failed backup jobs of a vault across several pages, with the message and the integer code', async () => {
    const before = pagesServed('/backupJobs');
    const jobs = await h.gateway.listFailedBackupJobs(PROD_VAULT, { from: new Date(Date.now() - 3 * 86_400_000), to: new Date() });
    expect(pagesServed('/backupJobs') - before).toBeGreaterThanOrEqual(4);
    expect(jobs.every((j) => j.status === 'Failed')).toBe(true);
    const sql = jobs.filter((j) => j.vmName === 'vm-sql01');
    expect(sql).toHaveLength(2);
    expect(sql[0]).toMatchObject({
      vault: PROD_VAULT,
      vmResourceGroup: 'rg-sql',
      operation: 'Backup',
      dynamicErrorMessage: 'VM Agent unable to communicate with Azure Backup',
      errors: [{ numericCode: 400001, message: 'VM Agent unable to communicate with Azure Backup', recommendations: ['For troubleshooting instructions, see https://aka.ms/AB-UserErrorGuestAgentStatusUnavailable'] }],
    });
    expect(sql[0]?.startTime).toBeInstanceOf(Date);
    // The V2 job type carries the same fields.
    expect(jobs.find((j) => j.vmName === 'vm-app02')?.errors[0]?.message).toBe('VMSnapshot extension operation failed');
    // Completed jobs and the 10-day-old one stay out.
    expect(jobs.map((j) => j.id)).not.toContain('6b1f0c52-2d1e-4c36-9b7e-0a1c9e1f0009');
  });

  it('sends the OData time window in the service format and honours it', async () => {
    const narrow = await h.gateway.listFailedBackupJobs(PROD_VAULT, { from: new Date(Date.now() - 5 * 3_600_000), to: new Date() });
    const sent = [...h.sim.requests].reverse().find((r) => r.path.endsWith('/backupJobs'))?.query ?? '';
    expect(sent).toMatch(/\$filter=backupManagementType eq 'AzureIaasVM' and operation eq 'Backup' and status eq 'Failed' and startTime eq '\d{4}-\d{2}-\d{2} (0[1-9]|1[0-2]):\d{2}:\d{2} (AM|PM)' and endTime eq '\d{4}-\d{2}-\d{2} (0[1-9]|1[0-2]):\d{2}:\d{2} (AM|PM)'/);
    const vms = narrow.map((j) => j.vmName).sort();
    expect(vms).toEqual(['vm-app02', 'vm-files01', 'vm-linux01', 'vm-linux02', 'vm-linux03', 'vm-sql01', 'vm-web01']);
  });

  it('reads one job by id although the service spells the id "/Subscriptions/"', async () => {
    const job = await h.gateway.getBackupJob(PROD_VAULT, '6b1f0c52-2d1e-4c36-9b7e-0a1c9e1f0005');
    expect(job).toMatchObject({ id: '6b1f0c52-2d1e-4c36-9b7e-0a1c9e1f0005', vmName: 'vm-linux01', vmResourceGroup: 'rg-linux', status: 'Failed' });
    expect(job.errors[0]?.message).toBe('Could not communicate with the VM agent for snapshot status');
  });

  it('lists protected VMs with the full container and item names from the item id', async () => {
    const items = await h.gateway.listProtectedVms(PROD_VAULT);
    expect(items).toHaveLength(8);
    const files = items.find((i) => i.friendlyName === 'vm-files01');
    expect(files).toMatchObject({
      vm: vmRef('rg-files', 'vm-files01'),
      containerName: 'IaasVMContainer;iaasvmcontainerv2;rg-files;vm-files01',
      protectedItemName: 'VM;iaasvmcontainerv2;rg-files;vm-files01',
      healthStatus: 'ActionRequired',
      lastBackupStatus: 'Failed',
    });
    expect(files?.lastBackupTime).toBeInstanceOf(Date);
  });

  it('reads a Windows VM whose agent is Not Ready', async () => {
    const status = await h.gateway.getVmStatus(vmRef('rg-sql', 'vm-sql01'));
    expect(status).toMatchObject({
      osType: 'Windows',
      location: 'westeurope',
      powerState: 'PowerState/running',
      provisioningState: 'ProvisioningState/succeeded',
      agentVersion: '2.7.41491.1083',
      networkInterfaceIds: [`/subscriptions/${SUB}/resourceGroups/rg-sql/providers/Microsoft.Network/networkInterfaces/vm-sql01-nic`],
    });
    expect(status.agentStatuses[0]).toMatchObject({ displayStatus: 'Not Ready', level: 'Warning', code: 'ProvisioningState/Unavailable' });
  });

  it('reads the backup extension handler in error and the stopped-in-guest VM', async () => {
    const app = await h.gateway.getVmStatus(vmRef('rg-app', 'vm-app02'));
    const handler = app.extensionHandlers.find((x) => x.type === 'Microsoft.Azure.RecoveryServices.VMSnapshot');
    expect(handler?.status).toMatchObject({ level: 'Error', displayStatus: 'Not Ready' });
    expect(app.extensions.find((e) => e.name === 'VMSnapshot')?.statuses[0]?.code).toMatch(/^ProvisioningState\/failed/);
    const linux = await h.gateway.getVmStatus(vmRef('rg-linux', 'vm-linux02'));
    expect(linux).toMatchObject({ osType: 'Linux', powerState: 'PowerState/stopped', provisioningState: 'ProvisioningState/succeeded' });
    const old = await h.gateway.getVmStatus(vmRef('rg-linux', 'vm-linux01'));
    expect(old.agentVersion).toBe('2.2.45');
  });

  it("lists the effective rules of the VM's NICs with the outbound deny to Storage ahead of the allows", async () => {
    const rules = await h.gateway.listEffectiveSecurityRules(vmRef('rg-web', 'vm-web01'));
    const outbound = rules.filter((r) => r.direction === 'Outbound').sort((a, b) => a.priority - b.priority);
    expect(outbound[0]).toMatchObject({ name: 'securityRules/deny-storage-outbound', access: 'Deny', priority: 100, destinationPortRanges: ['443'], destinationAddressPrefixes: ['Storage'] });
    expect(outbound[0]?.expandedDestinationAddressPrefix).toContain('20.150.0.0/17');
    expect(outbound.map((r) => r.name)).toContain('defaultSecurityRules/AllowInternetOutBound');
  });

  it('finds the restore point collections of a VM across the subscription and counts their points', async () => {
    const collections = await h.gateway.listRestorePointCollections(vmRef('rg-files', 'vm-files01'));
    expect(collections).toEqual([
      {
        id: `/subscriptions/${SUB}/resourceGroups/AzureBackupRG_westeurope_1/providers/Microsoft.Compute/restorePointCollections/AzureBackup_vm-files01_140738144265919`,
        name: 'AzureBackup_vm-files01_140738144265919',
        resourceGroup: 'AzureBackupRG_westeurope_1',
        subscriptionId: SUB,
        sourceVmId: `/subscriptions/${SUB}/resourceGroups/rg-files/providers/Microsoft.Compute/virtualMachines/vm-files01`,
        restorePointCount: 18,
        location: 'westeurope',
        matchedBy: 'source',
      },
    ]);
  });

  it('lists the locks on a resource group with the scope each is defined at', async () => {
    const locks = await h.gateway.listResourceGroupLocks(SUB, 'AzureBackupRG_westeurope_1');
    expect(locks).toEqual([
      {
        id: `/subscriptions/${SUB}/resourceGroups/AzureBackupRG_westeurope_1/providers/Microsoft.Authorization/locks/rg-do-not-delete`,
        name: 'rg-do-not-delete',
        level: 'CanNotDelete',
        notes: 'Protect backup resources from accidental deletion',
        scope: `/subscriptions/${SUB}/resourceGroups/AzureBackupRG_westeurope_1`,
      },
    ]);
    expect(await h.gateway.listResourceGroupLocks(SUB, 'AzureBackupRG_westeurope_2')).toEqual([]);
  });
});
