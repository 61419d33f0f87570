import { resolve } from 'node:path';
import type { VmRef } from '../../../src/core/azure-port';
import { ARM_ANSWER_SHAPES, startHarness, type Harness } from './simulator-harness';

const SAME_NAME_SCENARIO = resolve(__dirname, '../../fixtures/scenarios/same-name-vms.json');
const SUB = '7b2e1d4f-2c3e-4f5a-9b6c-1d2e3f4a5b6c';
const vm = (resourceGroup: string, name: string): VmRef => ({ subscriptionId: SUB, resourceGroup, name });
const vmId = (resourceGroup: string, name: string): string => `/subscriptions/${SUB}/resourceGroups/${resourceGroup}/providers/Microsoft.Compute/virtualMachines/${name}`;

describe.each(ARM_ANSWER_SHAPES)('listRestorePointCollections: only the VM’s own collections (real SDK gateway, ARM simulator; %s)', (_shape, settings) => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ scenario: SAME_NAME_SCENARIO, settings });
  });
  afterEach(async () => {
    await h.sim.close();
  });

  it('rg-test/web01 gets its own collection, not the other web01’s nor web01_old’s', async () => {
    const collections = await h.gateway.listRestorePointCollections(vm('rg-test', 'web01'));
    expect(collections).toEqual([
      expect.objectContaining({ name: 'AzureBackup_web01_111', resourceGroup: 'AzureBackupRG_westeurope_1', sourceVmId: vmId('rg-test', 'web01'), restorePointCount: 18, matchedBy: 'source' }),
    ]);
  });

  it('rg-prod/web01 and web01_old each get theirs (the source decides, the shared prefix does not)', async () => {
    expect((await h.gateway.listRestorePointCollections(vm('rg-prod', 'web01'))).map((c) => c.name)).toEqual(['AzureBackup_web01_222']);
    expect((await h.gateway.listRestorePointCollections(vm('rg-test', 'web01_old'))).map((c) => c.name)).toEqual(['AzureBackup_web01_old_333']);
  });

  it('a collection without a source matches by its exact name in the VM’s region only, marked as such', async () => {
    const collections = await h.gateway.listRestorePointCollections(vm('rg-test', 'app01'));
    expect(collections).toEqual([expect.objectContaining({ name: 'AzureBackup_app01_555', resourceGroup: 'AzureBackupRG_westeurope_1', matchedBy: 'name-only', restorePointCount: 2 })]);
    expect(collections[0]?.sourceVmId).toBeUndefined();
    expect(collections[0]?.sameNameVmIds).toBeUndefined();
  });

  it('a source-less web01 collection is reported with the other web01 that could own it', async () => {
    h.sim.state.collections.push({
      id: `/subscriptions/${SUB}/resourceGroups/AzureBackupRG_westeurope_1/providers/Microsoft.Compute/restorePointCollections/AzureBackup_web01_444`,
      subscriptionId: SUB,
      resourceGroup: 'AzureBackupRG_westeurope_1',
      name: 'AzureBackup_web01_444',
      location: 'westeurope',
      restorePointCollectionId: 'rpc-444',
      restorePointCount: 1,
    });
    const collections = await h.gateway.listRestorePointCollections(vm('rg-test', 'web01'));
    expect(collections.map((c) => c.name).sort()).toEqual(['AzureBackup_web01_111', 'AzureBackup_web01_444']);
    const nameOnly = collections.find((c) => c.name === 'AzureBackup_web01_444');
    expect(nameOnly).toMatchObject({ matchedBy: 'name-only', sameNameVmIds: [vmId('rg-prod', 'web01')] });
    // web01_old is never a candidate: AzureBackup_web01_old_333 has a source, and the name is not AzureBackup_web01_<digits>.
    expect((await h.gateway.listRestorePointCollections(vm('rg-test', 'web01_old'))).map((c) => c.name)).toEqual(['AzureBackup_web01_old_333']);
  });
});
