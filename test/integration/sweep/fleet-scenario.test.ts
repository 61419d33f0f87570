import { randomUUID } from 'node:crypto';
import { fleetScenario, planFleet, type FleetRiskKind } from '../../../dev/arm-simulator/fleet-scenario';
import { LocalSimulatorCredential } from '../../../src/azure/credential';
import { ResourceGraphInventory } from '../../../src/azure/resource-graph-inventory';
import { FleetSweep, listedInventory } from '../../../src/features/sweep/fleet-sweep';
import type { RiskCauseId } from '../../../src/core/sweep/risk-causes';
import { systemClock } from '../../../src/core/ports';
import { createLogger } from '../../../src/logger';
import { openSqliteDatabase } from '../../../src/storage/sqlite-database';
import { SqliteSweepStore } from '../../../src/storage/sqlite-sweep-store';
import { type Harness, startHarness } from '../azure/simulator-harness';

/**
 * A generated fleet (the benchmark's, smaller): every at-risk VM is found under the cause its
 * kind breaks, across subscriptions, from the Resource Graph inventory and the real SDK clients.
 */
const expectedCause: Record<FleetRiskKind, RiskCauseId> = {
  'agent-not-ready': 'windows-agent-not-ready',
  'linux-agent-old': 'linux-agent-out-of-date',
  'extension-failed': 'backup-extension-error',
  'storage-denied': 'no-outbound-storage',
  'stopped-in-guest': 'vm-stopped-in-guest',
  'restore-points-full': 'too-many-restore-points',
  'restore-points-locked': 'restore-point-rg-lock',
};

describe('a generated fleet of 70 VMs over 3 subscriptions, 20% at risk', () => {
  const options = { vms: 70, subscriptions: 3, atRiskPercent: 20, pageSize: 25 };
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ scenario: fleetScenario(options) });
  });
  afterAll(async () => {
    await harness.sim.close();
  });

  it('finds every at-risk VM under its cause and nothing else', async () => {
    const graph = new ResourceGraphInventory({ credential: new LocalSimulatorCredential(), endpoint: harness.sim.endpoint, ca: harness.sim.caPem, retry: { maxRetries: 0 } });
    const sweep = new FleetSweep({
      azure: harness.gateway,
      inventory: listedInventory(() => graph.listProtectedVms([]), []),
      store: new SqliteSweepStore(openSqliteDatabase(':memory:')),
      clock: systemClock,
      ids: { next: () => randomUUID() },
      logger: createLogger('silent'),
    });
    const result = await sweep.run();
    const plan = planFleet(options).filter((p) => p.risk !== undefined);
    expect(plan).toHaveLength(14);
    expect(result.total).toBe(70);
    expect(Object.fromEntries(result.atRisk.map((v) => [v.vm.name, v.cause]))).toEqual(Object.fromEntries(plan.map((p) => [p.name, expectedCause[p.risk as FleetRiskKind]])));
    expect(new Set(result.atRisk.map((v) => v.vm.subscriptionId)).size).toBe(3);
    // 70 protected items at 25 a page: three Resource Graph pages.
    expect(graph.queries).toBe(3);
  });
});
