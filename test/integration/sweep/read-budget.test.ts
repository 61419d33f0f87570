import { randomUUID } from 'node:crypto';
import { systemClock } from '../../../src/core/ports';
import { FleetSweep, vaultInventory } from '../../../src/features/sweep/fleet-sweep';
import { ReadBudget } from '../../../src/features/sweep/read-budget';
import { createLogger } from '../../../src/logger';
import { openSqliteDatabase } from '../../../src/storage/sqlite-database';
import { SqliteSweepStore } from '../../../src/storage/sqlite-sweep-store';
import { type Harness, startHarness } from '../azure/simulator-harness';

/**
 * The sweep's read budget against the ARM simulator through the real SDK clients: the reads ARM
 * says are left (x-ms-ratelimit-remaining-subscription-reads) and a 429's Retry-After pace the
 * sweep, which still finishes with the same verdicts. Waits are recorded, not slept.
 */
describe('a sweep paced by the reads ARM has left', () => {
  let harness: Harness;
  let budget: ReadBudget;
  let slept: number[];

  beforeEach(async () => {
    slept = [];
    budget = new ReadBudget({ clock: systemClock, sleep: async (ms) => void slept.push(ms), reserve: 100 });
    harness = await startHarness({}, { onResponse: (r) => budget.observe(r), retry: { maxRetries: 2, retryDelayInMs: 1, maxRetryDelayInMs: 5 } });
  });
  afterEach(async () => {
    await harness.sim.close();
  });

  const sweep = (concurrency = 1) =>
    new FleetSweep({
      azure: harness.gateway,
      inventory: vaultInventory(harness.gateway, []),
      store: new SqliteSweepStore(openSqliteDatabase(':memory:')),
      clock: systemClock,
      ids: { next: () => randomUUID() },
      logger: createLogger('silent'),
      concurrency,
      budget,
    }).run();

  it('does not wait while the subscription has reads to spare', async () => {
    harness.sim.faults.remainingSubscriptionReads = 12_000;
    const result = await sweep();
    expect(result.atRisk).toHaveLength(7);
    expect(slept).toEqual([]);
  });

  it('waits for the bucket to refill once the reads left fall under the reserve, and still finds every VM at risk', async () => {
    harness.sim.faults.remainingSubscriptionReads = 110;
    const result = await sweep();
    expect(result.atRisk).toHaveLength(7);
    expect(slept.length).toBeGreaterThan(0);
    // Each wait is what 25 reads a second take to refill up to the reserve.
    expect(Math.max(...slept)).toBeLessThanOrEqual(4_000);
  });

  it('holds the VMs not yet started after a 429 for its Retry-After', async () => {
    harness.sim.faults.throttle('/virtualMachines/vm-app02', { method: 'GET', times: 1, retryAfterSeconds: 3 });
    // Four at a time: while the SDK waits out vm-app02's Retry-After, the other workers reach their next VM.
    const result = await sweep(4);
    expect(result.atRisk.map((v) => v.vm.name)).toContain('vm-app02');
    expect(slept.some((ms) => ms > 0 && ms <= 3_000)).toBe(true);
  });
});
