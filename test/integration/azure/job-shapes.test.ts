import { readFileSync } from 'node:fs';
import type { ScenarioInput } from '../../../dev/arm-simulator/scenario';
import { DEFAULT_SCENARIO, PROD_VAULT, startHarness, type Harness } from './simulator-harness';

/**
 * Backup jobs as live IaaS VM jobs carry them (containerName names the VM's resource group) and as
 * Azure's REST API examples show them (no containerName, no extendedInfo: only entityFriendlyName).
 * The real SDK clients and the gateway against the simulator in each shape.
 */
const window = { from: new Date(Date.now() - 7 * 86_400_000), to: new Date(Date.now() + 3_600_000) };

/** The default scenario plus a second "vm-sql01" in another resource group, protected by the same vault, whose latest backup failed too. */
function scenarioWithTwoSqlVms(): ScenarioInput {
  const scenario = JSON.parse(readFileSync(DEFAULT_SCENARIO, 'utf8')) as {
    subscriptions: Array<{
      resourceGroups: Array<{
        name: string;
        virtualMachines?: unknown[];
        restorePointCollections?: Array<Record<string, unknown>>;
        vaults?: Array<{ name: string; protectedItems: unknown[]; jobs: Array<Record<string, unknown>> }>;
      }>;
    }>;
  };
  const sub = scenario.subscriptions[0]!;
  const ok = sub.resourceGroups.find((rg) => rg.name === 'rg-ok')!;
  const twin = JSON.parse(JSON.stringify(ok.virtualMachines![0]).replaceAll('vm-ok01', 'vm-sql01')) as unknown;
  sub.resourceGroups.push({ name: 'rg-sql-dr', virtualMachines: [twin] });
  const vault = sub.resourceGroups.find((rg) => rg.name === 'rg-backup')!.vaults!.find((v) => v.name === 'rsv-prod-weu')!;
  // Every VM of the same name now needs its resource group said outright.
  for (const item of vault.protectedItems as Array<Record<string, unknown>>) if (item['vm'] === 'vm-sql01') item['vmResourceGroup'] = 'rg-sql';
  for (const job of vault.jobs) if (job['vm'] === 'vm-sql01') job['vmResourceGroup'] = 'rg-sql';
  for (const rg of sub.resourceGroups) for (const rpc of rg.restorePointCollections ?? []) if (rpc['sourceVm'] === 'vm-sql01') rpc['sourceVmResourceGroup'] = 'rg-sql';
  vault.protectedItems.push({ vm: 'vm-sql01', vmResourceGroup: 'rg-sql-dr', lastBackupStatus: 'Failed', lastBackupTime: 'now-1h' });
  const failed = vault.jobs.find((j) => j['vm'] === 'vm-sql01')!;
  vault.jobs.push({ ...failed, id: '6b1f0c52-2d1e-4c36-9b7e-0a1c9e1f00ff', vmResourceGroup: 'rg-sql-dr', startTime: 'now-1h', endTime: 'now-1h+31m' });
  return scenario as unknown as ScenarioInput;
}

describe.each(['full', 'spec-example'] as const)('backup jobs shaped "%s"', (jobShape) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ settings: { jobShape } });
  });
  afterAll(async () => {
    await h.sim.close();
  });

  it('ties every failed job to its VM and resource group', async () => {
    const jobs = await h.gateway.listFailedBackupJobs(PROD_VAULT, window);
    expect(jobs.length).toBeGreaterThanOrEqual(8);
    const byVm = new Map(jobs.map((j) => [j.vmName, j.vmResourceGroup]));
    expect(byVm.get('vm-sql01')).toBe('rg-sql');
    expect(byVm.get('vm-web01')).toBe('rg-web');
    expect(byVm.get('vm-files01')).toBe('rg-files');
    expect(jobs.every((j) => j.vmResourceGroup !== undefined)).toBe(true);
  });

  it('reads one job by id with its VM and its error', async () => {
    const [first] = await h.gateway.listFailedBackupJobs(PROD_VAULT, window);
    const job = await h.gateway.getBackupJob(PROD_VAULT, first!.id);
    expect(job.vmResourceGroup).toBe(first!.vmResourceGroup);
    expect(job.errors[0]?.message.length).toBeGreaterThan(0);
  });
});

describe('two protected VMs of one name in one vault', () => {
  it.each([
    ['full', ['rg-sql', 'rg-sql-dr']],
    ['spec-example', [undefined]],
  ] as const)('jobs shaped "%s": tied where the job says the resource group, never by the name alone', async (jobShape, groups) => {
    const h = await startHarness({ scenario: scenarioWithTwoSqlVms(), settings: { jobShape } });
    try {
      const jobs = (await h.gateway.listFailedBackupJobs(PROD_VAULT, window)).filter((j) => j.vmName === 'vm-sql01');
      expect(jobs.length).toBe(3);
      expect([...new Set(jobs.map((j) => j.vmResourceGroup))].sort()).toEqual([...groups]);
      // The other VMs, whose names are their own, are still tied in either shape.
      const web = (await h.gateway.listFailedBackupJobs(PROD_VAULT, window)).find((j) => j.vmName === 'vm-web01');
      expect(web?.vmResourceGroup).toBe('rg-web');
    } finally {
      await h.sim.close();
    }
  });
});
