import { parseArmResource } from './arm-id';
import type { RestorePointCollection, VmRef } from './azure-port';
import { trimTrailing } from './trim-trailing';

/**
 * Which restore point collections belong to a VM. VM names are unique only inside a resource
 * group, and `AzureBackup_web01_` is also a prefix of `AzureBackup_web01_old_<n>`, so a name
 * alone can point at somebody else's VM: the collection's `source.id` decides. Only a
 * collection that records no source falls back to its exact name in the VM's region.
 */

export type CollectionMatch = 'source' | 'name-only';

/** What is known of the VM the collections are matched against. */
export interface CollectionOwner {
  readonly vm: VmRef;
  /** The VM's region, when known: a name-only match must sit in AzureBackupRG_<region>_<n>. */
  readonly location?: string;
}

export function vmArmId(vm: VmRef): string {
  return `/subscriptions/${vm.subscriptionId}/resourceGroups/${vm.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${vm.name}`;
}

/** An ARM id as comparisons see it: no surrounding space or trailing slash, lower case. */
export function normaliseId(id: string): string {
  return trimTrailing(id.trim(), '/').toLowerCase();
}

export function sameResourceId(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  return normaliseId(a) === normaliseId(b);
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `AzureBackup_<vm>_<digits>` exactly: `AzureBackup_web01_old_3` is not web01's. */
export function collectionNamePattern(vmName: string): RegExp {
  return new RegExp(`^AzureBackup_${escapeRegExp(vmName)}_\\d+$`, 'i');
}

/** The default instant-restore resource group of a region: AzureBackupRG_<region>_<n>. */
export function backupResourceGroupPattern(location: string): RegExp {
  return new RegExp(`^AzureBackupRG_${escapeRegExp(location)}_\\d+$`, 'i');
}

interface CollectionFacts {
  readonly name: string;
  readonly resourceGroup: string;
  readonly subscriptionId: string;
  readonly sourceVmId?: string | undefined;
  readonly location?: string | undefined;
}

/** How a collection belongs to the VM, or undefined when it does not. */
export function collectionMatch(collection: CollectionFacts, owner: CollectionOwner): CollectionMatch | undefined {
  if (collection.sourceVmId !== undefined && collection.sourceVmId.trim() !== '') {
    return sameResourceId(collection.sourceVmId, vmArmId(owner.vm)) ? 'source' : undefined;
  }
  if (collection.subscriptionId.toLowerCase() !== owner.vm.subscriptionId.toLowerCase()) return undefined;
  if (!collectionNamePattern(owner.vm.name).test(collection.name)) return undefined;
  if (owner.location !== undefined) {
    const region = owner.location.replace(/\s+/g, '').toLowerCase();
    if (!backupResourceGroupPattern(region).test(collection.resourceGroup)) return undefined;
    if (collection.location !== undefined && collection.location.replace(/\s+/g, '').toLowerCase() !== region) return undefined;
  }
  return 'name-only';
}

/** The VM's own collections, each marked with how it matched (the port's own mark is not trusted). */
export function ownCollections(all: readonly RestorePointCollection[], owner: CollectionOwner): RestorePointCollection[] {
  const own: RestorePointCollection[] = [];
  for (const c of all) {
    const matchedBy = collectionMatch(c, owner);
    if (matchedBy) own.push({ ...c, matchedBy });
  }
  return own;
}

/** A name-only match that another VM of the same name could own as well. */
export function isAmbiguous(collection: RestorePointCollection): boolean {
  return collection.matchedBy === 'name-only' && (collection.sameNameVmIds?.length ?? 0) > 0;
}

/** The VM a collection belongs to: its source, or for a name-only match the VM it was matched to. */
export function sourceVmOf(collection: RestorePointCollection, owner: VmRef): { subscriptionId: string; resourceGroup: string; name: string } | undefined {
  if (!collection.sourceVmId) return { subscriptionId: owner.subscriptionId, resourceGroup: owner.resourceGroup, name: owner.name };
  return parseArmResource(collection.sourceVmId, 'Microsoft.Compute', 'virtualMachines', { exact: true });
}
