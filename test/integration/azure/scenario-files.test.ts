import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCodedError } from '../../../src/core/errors';
import { loadScenarioFile, ScenarioError, startArmSimulator } from '../../../dev/arm-simulator';
import { DEFAULT_SCENARIO, FABRIKAM_SCENARIO, startHarness } from './simulator-harness';

const FAB = '11111111-1111-1111-1111-111111111111';
const SECURE = '22222222-2222-2222-2222-222222222222';
const FAB_VAULT = { subscriptionId: FAB, resourceGroup: 'rg-vaults', name: 'rsv-retail-sec' };

function writeTemp(name: string, content: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'scenario-')), name);
  writeFileSync(file, content);
  return file;
}

describe('scenario files', () => {
  it('rejects a malformed scenario naming the file, the path inside it and the reason', async () => {
    const scenario = JSON.parse(readFileSync(DEFAULT_SCENARIO, 'utf8')) as { subscriptions: Array<{ resourceGroups: Array<{ virtualMachines?: Array<Record<string, unknown>> }> }> };
    const vm = scenario.subscriptions[0]?.resourceGroups[2]?.virtualMachines?.[0];
    if (!vm) throw new Error('expected a VM in the third resource group');
    vm.osType = 'Solaris';
    const file = writeTemp('broken.json', JSON.stringify(scenario));
    await expect(startArmSimulator({ scenario: file })).rejects.toThrow(ScenarioError);
    expect(() => loadScenarioFile(file)).toThrow(`Scenario ${file} is invalid: subscriptions[0].resourceGroups[2].virtualMachines[0].osType:`);
  });

  it('rejects references to VMs that do not exist and invalid JSON, clearly', () => {
    const dangling = writeTemp('dangling.json', JSON.stringify({ name: 'x', subscriptions: [{ id: FAB, resourceGroups: [{ name: 'rg', vaults: [{ name: 'v', protectedItems: [{ vm: 'ghost' }] }] }] }] }));
    expect(() => loadScenarioFile(dangling)).toThrow(`subscriptions[0].resourceGroups[0].vaults[0].protectedItems[0].vm: no VM named "ghost" in subscription ${FAB}`);
    const notJson = writeTemp('not-json.json', '{ "name": ');
    expect(() => loadScenarioFile(notJson)).toThrow(/is not valid JSON/);
    expect(() => loadScenarioFile(join(tmpdir(), 'no-such-scenario.json'))).toThrow(/cannot be read/);
  });

  it('the default scenario holds a failed job for each seed code, with the English message and an integer code', async () => {
    const h = await startHarness();
    try {
      const vaults = await h.gateway.listVaults();
      const jobs = (await Promise.all(vaults.map((v) => h.gateway.listFailedBackupJobs(v, { from: new Date(Date.now() - 2 * 86_400_000), to: new Date() })))).flat();
      const recommendations = jobs.flatMap((j) => j.errors.flatMap((e) => e.recommendations)).join(' ');
      for (const code of ['UserErrorGuestAgentStatusUnavailable', 'ExtensionSnapshotFailedNoNetwork', 'ExtensionOperationFailedForManagedDisks', 'GuestAgentSnapshotTaskStatusError', 'BackUpOperationFailed', 'BackUpOperationFailedV2']) {
        expect(recommendations).toContain(`AB-${code}`);
      }
      expect(jobs.every((j) => j.errors.every((e) => Number.isInteger(e.numericCode) && e.message.length > 0))).toBe(true);
    } finally {
      await h.sim.close();
    }
  });

  describe('a second scenario, written apart from the default, drives the simulator without code changes', () => {
    let h: Awaited<ReturnType<typeof startHarness>>;
    beforeAll(async () => {
      h = await startHarness({ scenario: FABRIKAM_SCENARIO, settings: {} }, { retry: { maxRetries: 0 } });
    });
    afterAll(async () => {
      await h.sim.close();
    });

    it('lists vaults in both subscriptions the identity can see', async () => {
      expect(await h.gateway.listVaults()).toEqual([FAB_VAULT, { subscriptionId: SECURE, resourceGroup: 'rg-secure', name: 'rsv-secure' }]);
    });

    it('filters failed jobs to the window, PM times included, across pages of two', async () => {
      const jobs = await h.gateway.listFailedBackupJobs(FAB_VAULT, { from: new Date('2024-04-30T00:00:00Z'), to: new Date('2024-05-01T23:59:59Z') });
      expect(jobs.map((j) => j.id).sort()).toEqual(['f0000000-0000-0000-0000-000000000001', 'f0000000-0000-0000-0000-000000000002', 'f0000000-0000-0000-0000-000000000003']);
      expect(h.sim.requests.find((r) => r.path.endsWith('/backupJobs'))?.query).toContain("endTime eq '2024-05-01 11:59:59 PM'");
    });

    it('shows an inherited subscription lock with its own scope, and it blocks the delete', async () => {
      const locks = await h.gateway.listResourceGroupLocks(FAB, 'AzureBackupRG_swedencentral_1');
      expect(locks).toEqual([expect.objectContaining({ name: 'sub-readonly-freeze', level: 'ReadOnly', scope: `/subscriptions/${FAB}` })]);
      const collections = await h.gateway.listRestorePointCollections({ subscriptionId: FAB, resourceGroup: 'rg-pos', name: 'pos-db-01' });
      // By prefix and by source id; "AzureBackup_pos-db-010_1" belongs to another VM.
      expect(collections.map((c) => c.name).sort()).toEqual(['AzureBackup_pos-db-01_9001', 'custom-named-collection']);
      expect(collections.reduce((n, c) => n + c.restorePointCount, 0)).toBe(18);
      const error = await h.gateway.deleteRestorePointCollection(collections[0] ?? collections[1]!).catch((e: unknown) => e);
      expect(isCodedError(error, 'azure_locked')).toBe(true);
    });

    it('a guest-only fault clears when the agent is restarted', async () => {
      const [item] = (await h.gateway.listProtectedVms(FAB_VAULT)).filter((i) => i.friendlyName === 'pos-db-01');
      if (!item) throw new Error('expected pos-db-01');
      const first = await h.gateway.getBackupJob(FAB_VAULT, (await h.gateway.triggerBackup(item)).jobId);
      expect(first.errors[0]?.message).toBe('VM Agent unable to communicate with Azure Backup');
      await h.gateway.runCommand(item.vm, { os: 'Windows', script: ['Restart-Service WindowsAzureGuestAgent'] });
      // Its restore points reach 18 behind the inherited lock, so the next failure is the limit.
      const second = await h.gateway.getBackupJob(FAB_VAULT, (await h.gateway.triggerBackup(item)).jobId);
      expect(second.errors[0]?.message).toBe('The Restore Point collection max limit has reached.');
    });

    it('reads a NIC in another resource group, a wireserver block, and a transitioning extension', async () => {
      const vm = { subscriptionId: FAB, resourceGroup: 'rg-pos', name: 'pos-app-01' };
      const rules = await h.gateway.listEffectiveSecurityRules(vm);
      expect(rules).toEqual([expect.objectContaining({ name: 'securityRules/block-wireserver', access: 'Deny', destinationAddressPrefixes: ['168.63.129.16/32'] })]);
      const status = await h.gateway.getVmStatus(vm);
      expect(status.agentVersion).toBe('2.2.49.2');
      expect(status.extensionHandlers[0]?.status?.displayStatus).toBe('Transitioning');
      const job = await h.gateway.getBackupJob(FAB_VAULT, (await h.gateway.triggerBackup((await h.gateway.listProtectedVms(FAB_VAULT)).find((i) => i.friendlyName === 'pos-app-01')!)).jobId);
      expect(job.errors[0]?.message).toBe('Could not communicate with the VM agent for snapshot status');
    });

    it('a role the scenario withholds answers 403 with the role to grant', async () => {
      const error = await h.gateway.runCommand({ subscriptionId: SECURE, resourceGroup: 'rg-secure', name: 'hsm-gw-01' }, { os: 'Windows', script: ['hostname'] }).catch((e: unknown) => e);
      expect(isCodedError(error, 'azure_forbidden')).toBe(true);
      expect((error as Error).message).toBe("The bot's identity needs Virtual Machine Contributor on resource group rg-secure to run a command on VM hsm-gw-01.");
    });
  });
});
