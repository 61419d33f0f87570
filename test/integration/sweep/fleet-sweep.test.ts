import { randomUUID } from 'node:crypto';
import { openSqliteDatabase } from '../../../src/storage/sqlite-database';
import { SqliteSweepStore } from '../../../src/storage/sqlite-sweep-store';
import { FleetSweep, vaultInventory } from '../../../src/features/sweep/fleet-sweep';
import { changesSince } from '../../../src/core/sweep/fleet-sweep-result';
import { buildSweepDigestView } from '../../../src/core/sweep/sweep-digest-view';
import { systemClock } from '../../../src/core/ports';
import { createLogger } from '../../../src/logger';
import { PROD_VAULT, SUB, startHarness, type Harness } from '../azure/simulator-harness';

/**
 * The sweep against the demo's default scenario, through the real SDK clients: each of its
 * failing VMs is filed under the cause that breaks it, with the evidence line the checks wrote,
 * and the healthy ones are not listed.
 */
async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('condition never held');
}

describe('fleet sweep over the default scenario', () => {
  let harness: Harness;
  let store: SqliteSweepStore;
  let sweep: FleetSweep;

  beforeAll(async () => {
    harness = await startHarness();
    store = new SqliteSweepStore(openSqliteDatabase(':memory:'));
    sweep = new FleetSweep({
      azure: harness.gateway,
      inventory: vaultInventory(harness.gateway, []),
      store,
      clock: systemClock,
      ids: { next: () => randomUUID() },
      logger: createLogger('silent'),
    });
  });
  afterAll(async () => {
    await harness.sim.close();
  });

  it('files every failing VM under its cause with the checks’ evidence, and leaves the healthy ones out', async () => {
    const result = await sweep.run();
    const byVm = Object.fromEntries(result.atRisk.map((v) => [v.vm.name, v.cause]));
    expect(byVm).toEqual({
      'vm-files01': 'restore-point-rg-lock',
      'vm-web01': 'no-outbound-storage',
      'vm-app02': 'backup-extension-error',
      'vm-sql01': 'windows-agent-not-ready',
      'vm-linux01': 'linux-agent-out-of-date',
      'vm-linux02': 'vm-stopped-in-guest',
      // Extensions.Enable=n lives in /etc/waagent.conf: only its failed backup shows in ARM.
      'vm-linux03': 'last-backup-failed',
    });
    // Ordered as the digest shows them: by cause.
    expect(result.atRisk.map((v) => v.vm.name)).toEqual(['vm-files01', 'vm-web01', 'vm-app02', 'vm-sql01', 'vm-linux01', 'vm-linux02', 'vm-linux03']);
    const evidence = Object.fromEntries(result.atRisk.map((v) => [v.vm.name, v.evidence.en]));
    expect(evidence['vm-web01']).toMatch(/deny-storage-outbound/);
    expect(evidence['vm-files01']).toMatch(/rg-do-not-delete/);
    expect(evidence['vm-linux01']).toMatch(/2\.2\.45/);
    expect(evidence['vm-app02']).toMatch(/VMSnapshot/);
    expect(result.atRisk.find((v) => v.vm.name === 'vm-sql01')?.vault.name).toBe(PROD_VAULT.name);
    expect(result.total).toBeGreaterThan(result.atRisk.length);
    expect(result.unchecked).toEqual([]);
  });

  it('reads each VM at most three times (instance view, its NIC’s rules while running, its collection’s count) and shares the subscription’s lists', async () => {
    const before = harness.sim.requests.length;
    const result = await sweep.run();
    const made = harness.sim.requests.slice(before);
    const perVm = new Map<string, number>();
    for (const r of made) {
      const vm = /\/virtualMachines\/([^/?]+)/i.exec(r.path)?.[1] ?? /\/networkInterfaces\/([^/?]+)-nic\//i.exec(r.path)?.[1] ?? /\/restorePointCollections\/AzureBackup_([^/?]+)_\d+/i.exec(r.path)?.[1];
      if (vm) perVm.set(vm, (perVm.get(vm) ?? 0) + 1);
    }
    expect(perVm.size).toBe(result.total);
    expect(Math.max(...perVm.values())).toBeLessThanOrEqual(3);
    // A VM stopped in the guest has no rules read; the subscription's collections are listed once for all VMs.
    expect(perVm.get('vm-linux02')).toBe(1);
    expect(made.filter((r) => /\/providers\/Microsoft\.Compute\/restorePointCollections$/i.test(r.path))).toHaveLength(1);
  });

  it('stores the sweep, so the newest one and any one a button names can be reloaded', async () => {
    const result = await sweep.run();
    expect(await store.latest()).toEqual(result);
    expect(await store.get(result.id)).toEqual(result);
    expect(await store.get('no-such-sweep')).toBeUndefined();
  });

  it('sees what recovered since the previous sweep once a fix changes Azure', async () => {
    const before = await sweep.run();
    // What the Windows agent restart does: the agent reports Ready again.
    harness.sim.state.vm(PROD_VAULT.subscriptionId, 'rg-sql', 'vm-sql01').agent.status = 'Ready';
    // ...and the fix's verifying backup succeeds, which clears the protected item's failed status.
    const item = (await harness.gateway.listProtectedVms(PROD_VAULT)).find((v) => v.vm.name === 'vm-sql01');
    if (!item) throw new Error('vm-sql01 is not protected in the scenario');
    const { jobId } = await harness.gateway.triggerBackup(item);
    await waitFor(async () => (await harness.gateway.getBackupJob(PROD_VAULT, jobId)).status === 'Completed');
    const after = await sweep.run();
    const changes = changesSince(before, after);
    expect(changes.recovered.map((v) => v.vm.name)).toEqual(['vm-sql01']);
    expect(changes.newlyAtRisk.size).toBe(0);
  });
});

describe('fleet sweep: what it cannot see, and what no schedule backs up', () => {
  let harness: Harness;
  let sweep: FleetSweep;

  beforeEach(async () => {
    harness = await startHarness();
    sweep = new FleetSweep({ azure: harness.gateway, inventory: vaultInventory(harness.gateway, []), store: new SqliteSweepStore(openSqliteDatabase(':memory:')), clock: systemClock, ids: { next: () => randomUUID() }, logger: createLogger('silent') });
  });
  afterEach(async () => {
    await harness.sim.close();
  });

  const protectedItem = (vmName: string) => {
    const item = harness.sim.state.vaults.flatMap((v) => v.items).find((i) => i.vmName === vmName);
    if (!item) throw new Error(`${vmName} is not protected in the scenario`);
    return item;
  };

  it('files a VM whose reads Azure refuses as not checked, naming the missing role, never as healthy', async () => {
    // vm-web01's NSG blocks Storage 443 (it fails tonight); last night's backup still succeeded.
    Object.assign(protectedItem('vm-web01'), { lastBackupStatus: 'Completed', healthStatus: 'Passed' });
    // Reader is missing on the VM: its reads answer 403, while its restore point collection can still be read.
    harness.sim.faults.deny(`/subscriptions/${SUB}/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/vm-web01`, ['Microsoft.Compute/virtualMachines/*']);

    const result = await sweep.run();

    expect(result.atRisk.map((v) => v.vm.name)).not.toContain('vm-web01');
    expect(result.unchecked.map((v) => v.vm.name)).toEqual(['vm-web01']);
    expect(result.unchecked[0]?.evidence.en).toMatch(/Reader/);
    const digest = buildSweepDigestView(result, { language: 'en', maxVms: 20, fixOffers: () => [] });
    expect(JSON.stringify(digest)).toMatch(/1 VMs could not be checked \(vm-web01\)\. vm-web01: .*Reader/);
  });

  it('says which checks Azure refused on a VM whose last backup failed, instead of "none of the checks found why"', async () => {
    harness.sim.faults.deny(`/subscriptions/${SUB}/resourceGroups/rg-linux/providers/Microsoft.Compute/virtualMachines/vm-linux03`, ['Microsoft.Compute/virtualMachines/*']);

    const row = (await sweep.run()).atRisk.find((v) => v.vm.name === 'vm-linux03');

    expect(row?.cause).toBe('last-backup-failed');
    expect(row?.evidence.en).toMatch(/Azure did not answer \d+ of its checks: .*Reader/);
    expect(row?.evidence.en).not.toMatch(/none of the checks/);
  });

  it('does not sweep a VM whose backup was stopped: it is named apart and not counted', async () => {
    const before = await sweep.run();
    // Stop backup, retain data: no schedule backs vm-linux03 up any more, though its last backup failed.
    protectedItem('vm-linux03').protectionState = 'ProtectionStopped';

    const after = await sweep.run();

    expect(after.atRisk.map((v) => v.vm.name)).not.toContain('vm-linux03');
    expect(after.notScheduled?.map((v) => [v.vm.name, v.protectionState])).toEqual([['vm-linux03', 'ProtectionStopped']]);
    expect(after.total).toBe(before.total - 1);
    expect(JSON.stringify(buildSweepDigestView(after, { language: 'en', maxVms: 20, fixOffers: () => [] }))).toMatch(/1 VMs whose backup is stopped were not swept \(vm-linux03\)/);
  });
});
