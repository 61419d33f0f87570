import { evaluateOutboundStorageAccess } from '../../../src/core/checks/network-checks';
import { randomUUID } from 'node:crypto';
import { LocalSimulatorCredential } from '../../../src/azure/credential';
import { ResourceGraphInventory } from '../../../src/azure/resource-graph-inventory';
import { FleetSweep, vaultInventory } from '../../../src/features/sweep/fleet-sweep';
import { vmKey } from '../../../src/core/sweep/fleet-sweep-result';
import { systemClock } from '../../../src/core/ports';
import { createLogger } from '../../../src/logger';
import { openSqliteDatabase } from '../../../src/storage/sqlite-database';
import { SqliteSweepStore } from '../../../src/storage/sqlite-sweep-store';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConnectorStub, cardOf, cardText } from '../../helpers/connector-stub';
import { message } from '../../helpers/activities';
import { startTestBot, tempStateFile } from '../../helpers/test-app';
import { FABRIKAM_SCENARIO, PROD_VAULT, type Harness, startHarness } from '../azure/simulator-harness';

/**
 * The fleet inventory from Azure Resource Graph through the real SDK client against the ARM
 * simulator: the same protected VMs as the vault list calls, in a few paged queries.
 */
function inventoryFor(harness: Harness): ResourceGraphInventory {
  return new ResourceGraphInventory({ credential: new LocalSimulatorCredential(), endpoint: harness.sim.endpoint, ca: harness.sim.caPem, retry: { maxRetries: 0 } });
}

describe('Resource Graph inventory', () => {
  let harness: Harness;
  // Three rows a page, so the default scenario's nine protected VMs take several pages.
  beforeAll(async () => {
    harness = await startHarness({ settings: { pageSize: 3 } });
  });
  afterAll(async () => {
    await harness.sim.close();
  });

  it('lists the same protected VMs as every vault’s own list, following skipToken across pages', async () => {
    const graph = inventoryFor(harness);
    const fromGraph = await graph.listProtectedVms([]);
    const fromVaults = (await vaultInventory(harness.gateway, [])()).vms;
    const shape = (vms: typeof fromVaults) => vms.map((v) => ({ vm: vmKey(v.vm), vault: v.vault.name.toLowerCase(), item: v.protectedItemName.toLowerCase(), status: v.lastBackupStatus ?? '', health: v.healthStatus ?? '' })).sort((a, b) => a.vm.localeCompare(b.vm));
    expect(shape(fromGraph)).toEqual(shape(fromVaults));
    expect(fromGraph.length).toBeGreaterThan(3);
    expect(graph.queries).toBe(Math.ceil(fromGraph.length / 3));
  });

  it('gives the sweep the same verdicts as the vault inventory', async () => {
    const graph = inventoryFor(harness);
    const sweepWith = (inventory: ConstructorParameters<typeof FleetSweep>[0]['inventory']) =>
      new FleetSweep({ azure: harness.gateway, inventory, store: new SqliteSweepStore(openSqliteDatabase(':memory:')), clock: systemClock, ids: { next: () => randomUUID() }, logger: createLogger('silent') }).run();
    const viaGraph = await sweepWith(async () => ({ vms: await graph.listProtectedVms([]), unreadableVaults: [] }));
    const viaVaults = await sweepWith(vaultInventory(harness.gateway, []));
    expect(viaGraph.atRisk.map((v) => [v.vm.name, v.cause])).toEqual(viaVaults.atRisk.map((v) => [v.vm.name, v.cause]));
    expect(viaGraph.total).toBe(viaVaults.total);
  });
});

describe('Resource Graph inventory over two subscriptions', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ scenario: FABRIKAM_SCENARIO });
  });
  afterAll(async () => {
    await harness.sim.close();
  });

  it('asks only the subscriptions it is given, all of them in one query', async () => {
    const graph = inventoryFor(harness);
    const all = await graph.listProtectedVms([]);
    const subscriptions = [...new Set(all.map((v) => v.vm.subscriptionId))];
    expect(subscriptions.length).toBe(2);
    const one = await graph.listProtectedVms([subscriptions[0] as string]);
    expect(one.length).toBeGreaterThan(0);
    expect(one.every((v) => v.vault.subscriptionId === subscriptions[0])).toBe(true);
    expect(one.length).toBeLessThan(all.length);
  });
});

describe('the NSG rules of every NIC from Resource Graph', () => {
  it('gives each NIC its NSG\'s rules, default rules included, in the effective rules\' shape, and the same verdict as the effective-rules read', async () => {
    const harness = await startHarness();
    try {
      const rules = await inventoryFor(harness).listNicSecurityRules([]);
      const web = harness.sim.state.vm(PROD_VAULT.subscriptionId, 'rg-web', 'vm-web01');
      const nicRules = rules.get((web.nics[0]?.id ?? '').toLowerCase()) ?? [];
      expect(nicRules.map((r) => r.name)).toEqual(expect.arrayContaining(['defaultSecurityRules/AllowInternetOutBound', 'defaultSecurityRules/DenyAllOutBound']));
      const vm = { subscriptionId: PROD_VAULT.subscriptionId, resourceGroup: 'rg-web', name: 'vm-web01' };
      const status = await harness.gateway.getVmStatus(vm);
      const viaRead = evaluateOutboundStorageAccess(status, await harness.gateway.listEffectiveSecurityRules(vm));
      const viaGraph = evaluateOutboundStorageAccess(status, nicRules);
      expect(viaRead.status).toBe('fail');
      expect(viaGraph.status).toBe('fail');
      expect(viaGraph.evidence.en).toBe(viaRead.evidence.en);
    } finally {
      await harness.sim.close();
    }
  });
});

describe('the app configured for Azure (AZURE_ENDPOINT) sweeps from Resource Graph', () => {
  it('"at risk" takes its inventory from one Resource Graph query, not a list call per vault', async () => {
    const harness = await startHarness();
    const stub = new ConnectorStub();
    const serviceUrl = await stub.start();
    const state = tempStateFile();
    const caFile = join(state.file, '..', 'simulator-ca.pem');
    writeFileSync(caFile, harness.sim.caPem);
    const bot = await startTestBot(state.file, { AZURE_ENDPOINT: harness.sim.endpoint, AZURE_CA_FILE: caFile }, { alerts: { startWorkers: false } });
    try {
      const before = harness.sim.requests.length;
      await bot.post(message('at risk', { serviceUrl, conversationId: 'conv-graph' }));
      // "Sweeping…" at once, then the digest in its place.
      const calls = await stub.waitFor((c) => c.some((x) => x.kind === 'update'), 20_000);
      expect(cardText(cardOf(calls.find((x) => x.kind === 'update')))).toMatch(/^7 of 9 VMs at risk$/m);
      const made = harness.sim.requests.slice(before);
      // One query each for the protected items, the NICs, the subnets, the NSGs, the restore point collections and the locks.
      expect(made.filter((r) => r.method === 'POST' && /providers\/Microsoft\.ResourceGraph\/resources/i.test(r.path))).toHaveLength(6);
      expect(made.filter((r) => /backupProtectedItems/i.test(r.path))).toEqual([]);
      expect(made.filter((r) => /effectiveNetworkSecurityGroups/i.test(r.path))).toEqual([]);
      // No list of a subscription's collections, no list of a resource group's locks: only each VM's own reads.
      expect(made.filter((r) => /\/restorePointCollections$/i.test(r.path) || /\/locks$/i.test(r.path))).toEqual([]);
      expect(cardText(cardOf(calls.find((x) => x.kind === 'update')))).toContain('rg-do-not-delete');
      expect(cardText(cardOf(calls.find((x) => x.kind === 'update')))).toContain('vm-web01');
    } finally {
      await bot.stop();
      await stub.stop();
      await harness.sim.close();
      state.cleanup();
    }
  });
});
