import type { AzurePort, VaultRef, VmRef } from '../azure-port';
import type { CheckTarget } from './check-types';

/** What a troubleshooting session may know about its target (names only, some parts missing). */
export interface PartialTarget {
  readonly vm?: string;
  readonly vault?: string;
  readonly subscriptionId?: string;
  readonly resourceGroup?: string;
}

const same = (a: string | undefined, b: string | undefined): boolean => a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

/**
 * Turns what a session knows into full references: the VM needs its subscription and
 * resource group, the vault its resource group. Missing parts are looked up through the
 * vaults the identity can see and their protected items. Undefined when the VM cannot be found.
 * Never throws: a lookup that Azure refuses leaves that part unresolved.
 */
export async function resolveCheckTarget(azure: AzurePort, target: PartialTarget, options: { abortSignal?: AbortSignal } = {}): Promise<CheckTarget | undefined> {
  const vmName = target.vm?.trim();
  if (vmName === undefined || vmName === '') return undefined;
  const call = options.abortSignal === undefined ? {} : { abortSignal: options.abortSignal };
  const known: VmRef | undefined =
    target.subscriptionId !== undefined && target.resourceGroup !== undefined ? { subscriptionId: target.subscriptionId, resourceGroup: target.resourceGroup, name: vmName } : undefined;
  if (known !== undefined && target.vault === undefined) return { vm: known };

  let vaults: VaultRef[];
  try {
    vaults = await azure.listVaults(call);
  } catch {
    return known === undefined ? undefined : { vm: known };
  }
  const named = vaults.filter((v) => same(v.name, target.vault) && (target.subscriptionId === undefined || same(v.subscriptionId, target.subscriptionId)));
  const vault = named[0];
  if (known !== undefined) return vault === undefined ? { vm: known } : { vm: known, vault };
  // Only the VM's name is known: find it among the protected items, the named vault first.
  for (const candidate of [...named, ...vaults.filter((v) => !named.includes(v))]) {
    let items;
    try {
      items = await azure.listProtectedVms(candidate, call);
    } catch {
      continue;
    }
    const item = items.find((i) => same(i.vm.name, vmName) && (target.resourceGroup === undefined || same(i.vm.resourceGroup, target.resourceGroup)));
    if (item !== undefined) return { vm: item.vm, vault: candidate };
  }
  return undefined;
}
