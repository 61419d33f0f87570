import type { VaultRef, VmRef } from '../azure-port';

/** The VM a fix runs against, resolved on the server when the fix is requested (never taken from a card). */
export interface FixTarget {
  readonly vm: VmRef;
  readonly osType?: 'Windows' | 'Linux';
  /** The vault protecting the VM: needed to trigger and follow backups. */
  readonly vault?: VaultRef;
}

export function describeTarget(target: FixTarget): string {
  return `${target.vm.name} (subscription ${target.vm.subscriptionId}, resource group ${target.vm.resourceGroup})`;
}

/** Lower-cased `sub/rg/vm`, the key the audit is searched by. */
export function targetKey(vm: VmRef): string {
  return `${vm.subscriptionId}/${vm.resourceGroup}/${vm.name}`.toLowerCase();
}

export function sameVm(a: VmRef, b: VmRef): boolean {
  return targetKey(a) === targetKey(b);
}
