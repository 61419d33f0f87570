import type { AzurePort, RestorePointCollection, VmRef } from '../../../src/core/azure-port';
import type { FleetReadPort, ListedRestorePointCollection } from '../../../src/core/sweep/fleet-read-port';
import { fleetReads } from '../../../src/features/sweep/fleet-reads';

const sub = '00000000-0000-0000-0000-0000000000aa';
const vm = (name: string, resourceGroup: string): VmRef => ({ name, resourceGroup, subscriptionId: sub });
const vmId = (name: string, resourceGroup: string) => `/subscriptions/${sub}/resourceGroups/${resourceGroup}/providers/Microsoft.Compute/virtualMachines/${name}`;
const collection = (name: string, sourceVmId?: string): ListedRestorePointCollection => ({
  id: `/subscriptions/${sub}/resourceGroups/AzureBackupRG_westeurope_1/providers/Microsoft.Compute/restorePointCollections/${name}`,
  name,
  subscriptionId: sub,
  resourceGroup: 'AzureBackupRG_westeurope_1',
  location: 'westeurope',
  ...(sourceVmId !== undefined ? { sourceVmId } : {}),
});

function reads(collections: readonly ListedRestorePointCollection[]) {
  const portAsked: VmRef[] = [];
  const counted: string[] = [];
  const azure = {
    listRestorePointCollections: async (target: VmRef): Promise<RestorePointCollection[]> => {
      portAsked.push(target);
      return [];
    },
  } as unknown as AzurePort;
  const fleet: FleetReadPort = {
    listSubscriptionRestorePointCollections: async () => [...collections],
    getRestorePointCount: async (c) => {
      counted.push(c.name);
      return 3;
    },
    listNicEffectiveSecurityRules: async () => [],
  };
  return { port: fleetReads(azure, fleet, { restorePointCollections: collections }), portAsked, counted };
}

describe('fleet reads: a VM gets its restore point collections from the subscription listed once', () => {
  const fleetCollections = [
    collection('AzureBackup_web01_1', `${vmId('web01', 'rg-a')}/`),
    collection('AzureBackup_web01_2', vmId('web01', 'rg-b')),
    collection('AzureBackup_db01_1', vmId('DB01', 'RG-A')),
    collection('AzureBackup_web01_old_3'),
    collection('AzureBackup_web01_9', ` ${vmId('WEB01', 'rg-a').toUpperCase()} `),
  ];

  it('a collection with a source belongs only to that VM (case, spaces and a trailing slash aside), in the list order', async () => {
    const { port, counted } = reads(fleetCollections);
    const own = await port.listRestorePointCollections(vm('web01', 'rg-a'));
    expect(own.map((c) => [c.name, c.matchedBy, c.restorePointCount])).toEqual([
      ['AzureBackup_web01_1', 'source', 3],
      ['AzureBackup_web01_9', 'source', 3],
    ]);
    expect(counted).toEqual(['AzureBackup_web01_1', 'AzureBackup_web01_9']);
    expect((await port.listRestorePointCollections(vm('web01', 'rg-b'))).map((c) => c.name)).toEqual(['AzureBackup_web01_2']);
    expect((await port.listRestorePointCollections(vm('db01', 'rg-a'))).map((c) => c.name)).toEqual(['AzureBackup_db01_1']);
    expect(await port.listRestorePointCollections(vm('app01', 'rg-a'))).toEqual([]);
  });

  it('a collection without a source is matched by its exact name, and a name-only match is left to the port', async () => {
    const sourceless = [...fleetCollections, collection('AzureBackup_web02_4')];
    const { port, portAsked } = reads(sourceless);
    // "AzureBackup_web01_old_3" is not web01's, so web01 still matches by source alone.
    expect((await port.listRestorePointCollections(vm('web01', 'rg-a'))).map((c) => c.name)).toEqual(['AzureBackup_web01_1', 'AzureBackup_web01_9']);
    expect(portAsked).toEqual([]);
    // web02's collection records no source: the port weighs its region and the other VMs of that name.
    await port.listRestorePointCollections(vm('web02', 'rg-c'));
    expect(portAsked).toEqual([vm('web02', 'rg-c')]);
  });
});
