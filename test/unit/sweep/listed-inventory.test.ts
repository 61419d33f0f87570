import type { ProtectedVm, VaultRef } from '../../../src/core/azure-port';
import { CodedError } from '../../../src/core/errors';
import { listedInventory } from '../../../src/features/sweep/fleet-sweep';

/**
 * Resource Graph answers a subscription the identity may not read with no rows (no 403), so a
 * watched vault it returned nothing for is asked through the vault API before the sweep runs
 * without it: the vault's VMs, nothing (it protects none), or the vault named with Azure's reason.
 */
const prod: VaultRef = { subscriptionId: '00000000-0000-0000-0000-00000000000a', resourceGroup: 'rg-backup', name: 'rsv-prod-weu' };
const dr: VaultRef = { subscriptionId: '00000000-0000-0000-0000-00000000000b', resourceGroup: 'rg-backup-neu', name: 'rsv-dr-neu' };
const vm = (vault: VaultRef, name: string): ProtectedVm => ({ vault, vm: { subscriptionId: vault.subscriptionId, resourceGroup: 'rg-app', name }, friendlyName: name, containerName: `iaasvmcontainerv2;rg-app;${name}`, protectedItemName: `VM;iaasvmcontainerv2;rg-app;${name}`, protectionState: 'Protected' });
const graph = async () => [vm(prod, 'vm-web01')];

describe('the Resource Graph inventory and a watched vault it returned nothing for', () => {
  it('names the vault with Azure\'s reason when the vault API refuses it too', async () => {
    const refused = new CodedError('azure_forbidden', "The bot's identity needs Backup Reader on vault rsv-dr-neu.", { status: 403 });
    const asked: string[] = [];
    const inventory = await listedInventory(graph, [prod, dr], undefined, async (vault) => {
      asked.push(vault.name);
      throw refused;
    })();

    expect(asked).toEqual(['rsv-dr-neu']);
    expect(inventory.vms.map((v) => v.vm.name)).toEqual(['vm-web01']);
    expect(inventory.unreadableVaults).toEqual([{ vault: 'rsv-dr-neu', evidence: expect.objectContaining({ en: expect.stringContaining('Backup Reader') }) }]);
  });

  it('sweeps the VMs the vault API lists when the graph has none of them yet', async () => {
    const inventory = await listedInventory(graph, [prod, dr], undefined, async () => [vm(dr, 'vm-dr01')])();

    expect(inventory.vms.map((v) => v.vm.name)).toEqual(['vm-web01', 'vm-dr01']);
    expect(inventory.unreadableVaults).toEqual([]);
  });

  it('says nothing of a watched vault that protects no VM', async () => {
    const inventory = await listedInventory(graph, [prod, dr], undefined, async () => [])();

    expect(inventory.vms).toHaveLength(1);
    expect(inventory.unreadableVaults).toEqual([]);
  });
});
