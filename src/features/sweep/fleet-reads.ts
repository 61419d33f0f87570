import type { AzurePort, CallOptions, EffectiveSecurityRule, ResourceLock, RestorePointCollection, VmRef, VmStatus } from '../../core/azure-port';
import { vmKey } from '../../core/sweep/fleet-sweep-result';
import type { FleetReadPort, ListedRestorePointCollection } from '../../core/sweep/fleet-read-port';
import { collectionMatch, normaliseId, vmArmId } from '../../core/restore-point-ownership';
import { isRunning } from '../../core/checks/vm-state';
import { trimTrailing } from '../../core/trim-trailing';

export interface FleetReadsOptions {
  /** Every NIC's NSG rules, read for the whole fleet (Resource Graph): a running VM's rules come from here, not from a read. */
  readonly nicRules?: ReadonlyMap<string, readonly EffectiveSecurityRule[]>;
  /** Every restore point collection of the fleet: used instead of listing each subscription's. */
  readonly restorePointCollections?: readonly ListedRestorePointCollection[];
  /** Every lock of the fleet: a resource group's are picked from here instead of being listed. */
  readonly locks?: readonly ResourceLock[];
}

/**
 * AzurePort for one sweep: the per-VM reads the checks make, with what the whole fleet shares
 * read once. A subscription's restore point collections are listed once for all its VMs (not
 * once per VM), a resource group's locks once, and a VM's effective rules are read from the NICs
 * its instance view named (the VM is not read twice). A VM whose collection has no source is
 * left to the port's own matching (by name and region), as before. Everything else goes through.
 */
export function fleetReads(azure: AzurePort, fleet: FleetReadPort, shared: FleetReadsOptions = {}): AzurePort {
  const collections = new Map<string, Promise<CollectionIndex>>();
  const locks = new Map<string, Promise<ResourceLock[]>>();
  const statuses = new Map<string, Promise<VmStatus>>();
  const memo = <T>(map: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> => {
    let promise = map.get(key);
    if (promise === undefined) {
      promise = load();
      // A failed read is asked again by the next VM rather than failing the whole fleet.
      promise.catch(() => map.delete(key));
      map.set(key, promise);
    }
    return promise;
  };
  return {
    listVaults: (o) => azure.listVaults(o),
    listFailedBackupJobs: (v, w, o) => azure.listFailedBackupJobs(v, w, o),
    getBackupJob: (v, id, o) => azure.getBackupJob(v, id, o),
    listProtectedVms: (v, o) => azure.listProtectedVms(v, o),
    listDatabaseVms: (v, o) => azure.listDatabaseVms(v, o),
    triggerBackup: (i, o) => azure.triggerBackup(i, o),
    getVmStatus(vm: VmRef, options?: CallOptions): Promise<VmStatus> {
      // Kept at once (the checks ask for the rules in the same tick) so the rules wait for it instead of reading the VM again.
      const status = azure.getVmStatus(vm, options);
      statuses.set(vmKey(vm), status);
      status.catch(() => statuses.delete(vmKey(vm)));
      return status;
    },
    async listEffectiveSecurityRules(vm: VmRef, callOptions?: CallOptions): Promise<EffectiveSecurityRule[]> {
      const pending = statuses.get(vmKey(vm));
      if (pending === undefined) return azure.listEffectiveSecurityRules(vm, callOptions);
      const status = await pending;
      // Each VM's rules are read once per sweep (the checks share them): its status need not be kept.
      statuses.delete(vmKey(vm));
      // The network checks judge a VM that is not running without its rules: none are read.
      if (!isRunning(status)) return [];
      const listed = status.networkInterfaceIds.map((id) => shared.nicRules?.get(id.toLowerCase()));
      // A NIC the listing did not have (created since, or out of its reach) is read as before.
      if (listed.every((rules) => rules !== undefined)) return listed.flat();
      return fleet.listNicEffectiveSecurityRules(status.networkInterfaceIds, callOptions);
    },
    runCommand: (vm, c, o) => azure.runCommand(vm, c, o),
    deleteExtension: (vm, n, o) => azure.deleteExtension(vm, n, o),
    listVmExtensions: (vm, o) => azure.listVmExtensions(vm, o),
    getWorkloadContainer: (v, vm, o) => azure.getWorkloadContainer(v, vm, o),
    async listRestorePointCollections(vm: VmRef, options?: CallOptions): Promise<RestorePointCollection[]> {
      // Shared by every VM of the subscription, so no one VM's deadline cancels it.
      const index = await memo(collections, vm.subscriptionId.toLowerCase(), async () =>
        indexCollections(shared.restorePointCollections ? shared.restorePointCollections.filter((c) => c.subscriptionId.toLowerCase() === vm.subscriptionId.toLowerCase()) : await fleet.listSubscriptionRestorePointCollections(vm.subscriptionId)),
      );
      const matches = candidatesOf(index, vm).map((c) => ({ c, match: collectionMatch(c, { vm }) })).filter((m) => m.match !== undefined);
      // Tied by name only: the port weighs the region and other VMs of that name, which this list cannot.
      if (matches.some((m) => m.match === 'name-only')) return azure.listRestorePointCollections(vm, options);
      return Promise.all(matches.map(async ({ c }) => ({ ...c, matchedBy: 'source' as const, restorePointCount: await fleet.getRestorePointCount(c, options) })));
    },
    deleteRestorePointCollection: (c, o) => azure.deleteRestorePointCollection(c, o),
    listResourceGroupLocks: (sub, rg) => memo(locks, `${sub}/${rg}`.toLowerCase(), async () => (shared.locks ? locksListedAt(shared.locks, sub, rg) : azure.listResourceGroupLocks(sub, rg))),
    deleteResourceGroupLock: (sub, rg, n, o) => azure.deleteResourceGroupLock(sub, rg, n, o),
    createResourceGroupLock: (sub, rg, l, o) => azure.createResourceGroupLock(sub, rg, l, o),
    listBackupInstances: (v, n, o) => azure.listBackupInstances(v, n, o),
    getBackupVaultIdentity: (v, o) => azure.getBackupVaultIdentity(v, o),
    getDiskEncryption: (id, o) => azure.getDiskEncryption(id, o),
    listRoleAssignments: (scope, p, o) => azure.listRoleAssignments(scope, p, o),
    listResourceLocks: (id, o) => azure.listResourceLocks(id, o),
    getFileShareState: (id, share, o) => azure.getFileShareState(id, share, o),
    getStorageAccount: (id, o) => azure.getStorageAccount(id, o),
    getBlobRestoreSettings: (id, o) => azure.getBlobRestoreSettings(id, o),
  };
}

/**
 * A subscription's collections, those with a source found by its id. Matching each VM against
 * the whole list cost O(collections) per VM, so O(VMs²) a subscription: most of a large sweep's
 * time and garbage. A collection with a source belongs only to that VM, so only the sourceless
 * ones (matched by name) are tried against every VM.
 */
interface CollectionIndex {
  readonly bySource: ReadonlyMap<string, readonly IndexedCollection[]>;
  readonly sourceless: readonly IndexedCollection[];
}
interface IndexedCollection {
  readonly at: number;
  readonly collection: ListedRestorePointCollection;
}

function indexCollections(all: readonly ListedRestorePointCollection[]): CollectionIndex {
  const bySource = new Map<string, IndexedCollection[]>();
  const sourceless: IndexedCollection[] = [];
  all.forEach((collection, at) => {
    const source = collection.sourceVmId?.trim();
    if (!source) {
      sourceless.push({ at, collection });
      return;
    }
    const key = normaliseId(source);
    const list = bySource.get(key);
    if (list) list.push({ at, collection });
    else bySource.set(key, [{ at, collection }]);
  });
  return { bySource, sourceless };
}

/** The collections that could be the VM's, in the subscription list's order. */
function candidatesOf(index: CollectionIndex, vm: VmRef): ListedRestorePointCollection[] {
  const own = index.bySource.get(normaliseId(vmArmId(vm))) ?? [];
  if (index.sourceless.length === 0) return own.map((c) => c.collection);
  return [...own, ...index.sourceless].sort((a, b) => a.at - b.at).map((c) => c.collection);
}

/**
 * The locks a resource group's own list names: those on the group, inherited from its
 * subscription, and those on resources inside it.
 */
function locksListedAt(all: readonly ResourceLock[], subscriptionId: string, resourceGroup: string): ResourceLock[] {
  const subscription = `/subscriptions/${subscriptionId}`.toLowerCase();
  const group = `${subscription}/resourcegroups/${resourceGroup}`.toLowerCase();
  return all.filter((lock) => {
    const scope = trimTrailing(lock.scope, '/').toLowerCase();
    return scope === subscription || scope === group || scope.startsWith(`${group}/`);
  });
}
