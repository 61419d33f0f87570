import { LocalSimulatorCredential } from '../../../src/azure/credential';
import { SdkAzureGateway } from '../../../src/azure/sdk-azure-gateway';
import { startArmSimulator, type ArmSimulator } from '../../../dev/arm-simulator/server';
import type { ScenarioInput } from '../../../dev/arm-simulator/scenario';
import { runChecksForCode, type RunChecksOptions } from '../../../src/core/checks/run-checks';
import { resolveCheckTarget } from '../../../src/core/checks/check-target';
import { withDeadline } from '../../../src/core/azure-lookup/azure-deadline';
import type { VaultRef, VmRef } from '../../../src/core/azure-port';
import { isCodedError } from '../../../src/core/errors';
import { systemClock } from '../../../src/core/ports';
import { loadKnowledgeBase } from '../../../src/knowledge/load-knowledge-base';

/**
 * The SQL Server and SAP HANA in Azure VM checks through the real SDK clients against the ARM
 * simulator: the workload extension (AzureBackupWindowsWorkload, AzureBackupLinuxWorkload) from
 * the compute extensions API, the VM's registration with the vault (its VMAppContainer protection
 * container), and the VM found through the vault's protected databases when no vault backs it up
 * as a VM.
 */
const subscriptionId = '3c9e1d2b-5a4f-4e7d-8b6a-1f2e3d4c5b6a';
const vault: VaultRef = { subscriptionId, resourceGroup: 'rg-backup', name: 'rsv-sql' };
const workload = (status: 'succeeded' | 'failed' | 'transitioning' = 'succeeded') => ({
  name: 'AzureBackupWindowsWorkload',
  type: 'Microsoft.Azure.RecoveryServices.WorkloadBackup.AzureBackupWindowsWorkload',
  typeHandlerVersion: '2.0.9',
  status,
});
const agent = { name: 'VMSnapshot', type: 'Microsoft.Azure.RecoveryServices.VMSnapshot', typeHandlerVersion: '1.0.84.0' };
const hanaWorkload = { name: 'AzureBackupLinuxWorkload', type: 'Microsoft.Azure.RecoveryServices.WorkloadBackup.AzureBackupLinuxWorkload', typeHandlerVersion: '1.0.0.10', status: 'succeeded' as const };

const scenario: ScenarioInput = {
  name: 'sql workload checks',
  description: 'SQL Server VMs: registered and healthy, without the workload extension, with a failed one, unregistered, and unhealthy.',
  subscriptions: [
    {
      id: subscriptionId,
      resourceGroups: [
        {
          name: 'rg-sql',
          location: 'westeurope',
          virtualMachines: [
            { name: 'vm-sql-ok', osType: 'Windows', extensions: [agent, workload()] },
            { name: 'vm-sql-noext', osType: 'Windows', extensions: [agent] },
            { name: 'vm-sql-extfail', osType: 'Windows', extensions: [workload('failed')] },
            { name: 'vm-sql-unreg', osType: 'Windows', extensions: [workload()] },
            { name: 'vm-sql-sick', osType: 'Windows', extensions: [workload()] },
            { name: 'vm-hana-ok', osType: 'Linux', extensions: [hanaWorkload] },
            { name: 'vm-hana-noreg', osType: 'Linux', extensions: [] },
          ],
        },
        {
          name: 'rg-backup',
          location: 'westeurope',
          vaults: [
            {
              name: 'rsv-sql',
              workloadContainers: [
                { vm: 'vm-sql-ok', databases: ['SalesDb', 'msdb'] },
                { vm: 'vm-hana-ok', workload: 'sap-hana', databases: ['SYSTEMDB', 'H22'] },
                { vm: 'vm-sql-noext' },
                { vm: 'vm-sql-extfail' },
                { vm: 'vm-sql-sick', healthStatus: 'Unhealthy' },
              ],
            },
          ],
        },
      ],
    },
  ],
};

const knowledge = loadKnowledgeBase();
const options: RunChecksOptions = { allowReadOnlyRunCommand: false, timeoutInMs: 8000, clock: systemClock };
const vm = (name: string): VmRef => ({ subscriptionId, resourceGroup: 'rg-sql', name });

describe('SQL Server in Azure VM checks against the ARM simulator through the real SDK gateway', () => {
  let sim: ArmSimulator;
  let azure: SdkAzureGateway;

  beforeAll(async () => {
    sim = await startArmSimulator({ scenario });
    azure = new SdkAzureGateway({ credential: new LocalSimulatorCredential(), endpoint: sim.endpoint, ca: sim.caPem, retry: { maxRetries: 0 }, lroPollIntervalInMs: 10 });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('reads the workload extension with its provisioning state, and the VM registration with the vault', async () => {
    const extensions = await azure.listVmExtensions(vm('vm-sql-extfail'));
    expect(extensions).toEqual([{ name: 'AzureBackupWindowsWorkload', publisher: 'Microsoft.Azure.RecoveryServices.WorkloadBackup', type: 'AzureBackupWindowsWorkload', typeHandlerVersion: '2.0.9', provisioningState: 'Failed' }]);
    expect(await azure.getWorkloadContainer(vault, vm('vm-sql-sick'))).toEqual({ name: 'VMAppContainer;Compute;rg-sql;vm-sql-sick', registrationStatus: 'Registered', healthStatus: 'Unhealthy' });
    expect(await azure.getWorkloadContainer(vault, vm('vm-sql-unreg'))).toBeUndefined();
  });

  it('rules out registration and the extension for a registered VM with a healthy extension', async () => {
    const report = await runChecksForCode(knowledge, 'FabricSvcBackupPreferenceCheckFailedUserError', { vm: vm('vm-sql-ok'), vault }, azure, options);
    expect(report.causes.map((c) => [c.causeId, c.verdict])).toEqual([['sql-availability-group-nodes-unregistered', 'ruled-out']]);
    expect(report.results.map((r) => [r.checkId, r.status]).sort()).toEqual([['sql-vm-registered', 'pass'], ['sql-workload-extension', 'pass']]);
  });

  it.each([
    ['vm-sql-unreg', 'FabricSvcBackupPreferenceCheckFailedUserError', 'sql-availability-group-nodes-unregistered', 'sql-vm-registered', 'is not registered with vault rsv-sql'],
    ['vm-sql-sick', 'FabricSvcBackupPreferenceCheckFailedUserError', 'sql-availability-group-nodes-unregistered', 'sql-vm-registered', 'its container is Unhealthy'],
    ['vm-sql-noext', 'UserErrorOpeningSQLConnection', 'sql-connection-failed', 'sql-workload-extension', 'AzureBackupWindowsWorkload is not installed on vm-sql-noext'],
    ['vm-sql-extfail', 'GuestAgentStatusUnavailableUserError', 'workload-guest-agent-unavailable', 'sql-workload-extension', 'failed to provision'],
  ])('%s failing with %s points to %s', async (name, code, cause, check, evidence) => {
    const report = await runChecksForCode(knowledge, code, { vm: vm(name), vault }, azure, options);
    const likely = report.firstLikelyCauseIndex === undefined ? undefined : report.causes[report.firstLikelyCauseIndex];
    expect(likely?.causeId).toBe(cause);
    const failed = likely?.results.find((r) => r.checkId === check);
    expect(failed?.status).toBe('fail');
    expect(failed?.evidence.en).toContain(evidence);
    expect(failed?.evidence.pl).toContain(name);
  });

  describe('a re-registration code both workloads report (WorkloadExtensionNotReachable): a cause for each, judged on the VM it is', () => {
    const verdicts = (report: Awaited<ReturnType<typeof runChecksForCode>>) => report.causes.map((c) => [c.causeId, c.verdict]);
    const result = (report: Awaited<ReturnType<typeof runChecksForCode>>, check: string) => report.results.find((r) => r.checkId === check);

    it('points a Windows VM without AzureBackupWindowsWorkload to the SQL Server cause; the SAP HANA extension does not apply there', async () => {
      const report = await runChecksForCode(knowledge, 'WorkloadExtensionNotReachable', { vm: vm('vm-sql-noext'), vault }, azure, options);
      expect(verdicts(report)).toEqual([['sql-workload-extension-needs-reregistration', 'likely'], ['hana-workload-extension-needs-reregistration', 'ruled-out']]);
      expect(result(report, 'sql-workload-extension')?.evidence.en).toContain('AzureBackupWindowsWorkload is not installed on vm-sql-noext');
      expect(result(report, 'hana-workload-extension')?.evidence.en).toBe('Does not apply: vm-sql-noext is a Windows VM, not Linux.');
    });

    it('rules out both causes on a registered SAP HANA VM with its extension, instead of blaming the missing SQL Server extension', async () => {
      const report = await runChecksForCode(knowledge, 'WorkloadExtensionNotReachable', { vm: vm('vm-hana-ok'), vault }, azure, options);
      expect(verdicts(report)).toEqual([['sql-workload-extension-needs-reregistration', 'ruled-out'], ['hana-workload-extension-needs-reregistration', 'ruled-out']]);
      expect(result(report, 'sql-workload-extension')?.evidence.pl).toBe('Nie dotyczy: vm-hana-ok to maszyna Linux, nie Windows.');
    });

    it('finds the SAP HANA extension missing on a Linux VM that lost its registration', async () => {
      const report = await runChecksForCode(knowledge, 'UserErrorWorkloadExtensionNotInstalled', { vm: vm('vm-hana-noreg'), vault }, azure, options);
      const hana = report.causes.find((c) => c.causeId === 'hana-workload-extension-needs-reregistration');
      expect(hana?.verdict).toBe('likely');
      expect(hana?.results.map((r) => [r.checkId, r.status])).toEqual([['hana-workload-extension', 'fail'], ['hana-vm-registered', 'fail']]);
      expect(result(report, 'sql-workload-extension')?.status).toBe('pass');
    });
  });

  it('says it cannot tell, rather than "not registered", when the bot may not read the vault', async () => {
    sim.faults.deny(`/subscriptions/${subscriptionId}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-sql`, ['Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/read']);
    try {
      const error: unknown = await azure.getWorkloadContainer(vault, vm('vm-sql-ok')).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isCodedError(error, 'azure_forbidden')).toBe(true);
      const report = await runChecksForCode(knowledge, 'FabricSvcBackupPreferenceCheckFailedUserError', { vm: vm('vm-sql-ok'), vault }, azure, options);
      const registered = report.results.find((r) => r.checkId === 'sql-vm-registered');
      expect(registered?.status).toBe('unknown');
      expect(registered?.manual?.en).toContain('Workload in Azure VM');
    } finally {
      sim.faults.clear();
    }
  });

  it('lists the VMs whose databases the vault protects, once per VM, from the container name of each database item', async () => {
    const hosts = await azure.listDatabaseVms(vault);
    expect(hosts.map((h) => [h.vm.resourceGroup, h.vm.name, h.workload])).toEqual([
      ['rg-sql', 'vm-sql-ok', 'sql-server'],
      ['rg-sql', 'vm-hana-ok', 'sap-hana'],
    ]);
    // The VM-backup list of the same vault is not polluted by them.
    expect(await azure.listProtectedVms(vault)).toEqual([]);
  });

  it('finds a VM protected only for its databases by its name alone, with its vault, and checks its registration there', async () => {
    const lookup = await withDeadline(8000, (d) => resolveCheckTarget(azure, { vm: 'vm-sql-ok' }, d));
    expect(lookup).toEqual({ kind: 'found', target: { vm: vm('vm-sql-ok'), vault } });
    if (lookup.kind !== 'found') return;
    const report = await runChecksForCode(knowledge, 'FabricSvcBackupPreferenceCheckFailedUserError', lookup.target, azure, options);
    expect(report.results.map((r) => [r.checkId, r.status]).sort()).toEqual([['sql-vm-registered', 'pass'], ['sql-workload-extension', 'pass']]);
  });

  it('checks an SAP HANA VM for AzureBackupLinuxWorkload and its registration', async () => {
    const lookup = await withDeadline(8000, (d) => resolveCheckTarget(azure, { vm: 'vm-hana-ok', vault: 'rsv-sql' }, d));
    expect(lookup).toEqual({ kind: 'found', target: { vm: vm('vm-hana-ok'), vault } });
    const ok = await runChecksForCode(knowledge, 'UserErrorPreregistrationScriptNotRun', { vm: vm('vm-hana-ok'), vault }, azure, options);
    expect(ok.results.map((r) => [r.checkId, r.status]).sort()).toEqual([['hana-vm-registered', 'pass'], ['hana-workload-extension', 'pass']]);

    const unregistered = await runChecksForCode(knowledge, 'UserErrorPreregistrationScriptNotRun', { vm: vm('vm-hana-noreg'), vault }, azure, options);
    const likely = unregistered.firstLikelyCauseIndex === undefined ? undefined : unregistered.causes[unregistered.firstLikelyCauseIndex];
    expect(likely?.causeId).toBe('hana-preregistration-not-run');
    expect(likely?.results.map((r) => [r.checkId, r.status]).sort()).toEqual([['hana-vm-registered', 'fail'], ['hana-workload-extension', 'fail']]);
    expect(likely?.results.find((r) => r.checkId === 'hana-vm-registered')?.evidence.en).toContain('Run the pre-registration script on the VM');
    expect(likely?.results.find((r) => r.checkId === 'hana-workload-extension')?.evidence.pl).toContain('AzureBackupLinuxWorkload nie jest zainstalowane na maszynie vm-hana-noreg');
  });
});
