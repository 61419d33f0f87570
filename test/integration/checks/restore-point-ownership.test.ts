import { resolve } from 'node:path';
import { evaluateRestorePointCount, evaluateRestorePointLocks, collectionGroups } from '../../../src/core/checks/restore-point-checks';
import { startHarness, type Harness } from '../azure/simulator-harness';

const SUB = '7b2e1d4f-2c3e-4f5a-9b6c-1d2e3f4a5b6c';

describe('restore-point checks count only the VM’s own collections (real SDK gateway, ARM simulator)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ scenario: resolve(__dirname, '../../fixtures/scenarios/same-name-vms.json') });
  });
  afterEach(async () => {
    await h.sim.close();
  });

  it('rg-prod/web01 has 5 points, not the 18 of rg-test/web01 nor web01_old’s', async () => {
    const collections = await h.gateway.listRestorePointCollections({ subscriptionId: SUB, resourceGroup: 'rg-prod', name: 'web01' });
    const count = evaluateRestorePointCount('web01', collections);
    expect(count.status).toBe('pass');
    expect(count.evidence.en).toBe('5 of 18 restore points in AzureBackup_web01_222.');
  });

  it('rg-test/web01 reaches the limit with its own 18 points, and the lock on the shared group is reported', async () => {
    const collections = await h.gateway.listRestorePointCollections({ subscriptionId: SUB, resourceGroup: 'rg-test', name: 'web01' });
    expect(evaluateRestorePointCount('web01', collections).evidence.en).toMatch(/^18 of 18 restore points in AzureBackup_web01_111/);
    const groups = await Promise.all(collectionGroups(collections).map(async (g) => ({ ...g, locks: await h.gateway.listResourceGroupLocks(g.subscriptionId, g.resourceGroup) })));
    expect(evaluateRestorePointLocks('web01', collections, groups).status).toBe('fail');
  });
});
