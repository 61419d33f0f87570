import type { ProtectedVm, VaultRef, VmRef } from '../azure-port';
import { fail, pass, text, unknown, type CheckResult } from './check-types';

/** States in which scheduled backups run; IRPending is a new item before its first backup. */
const activeStates = new Set(['protected', 'irpending']);

export function findProtectedVm(items: readonly ProtectedVm[], vm: VmRef): ProtectedVm | undefined {
  const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
  return (
    items.find((i) => same(i.vm.name, vm.name) && same(i.vm.resourceGroup, vm.resourceGroup) && same(i.vm.subscriptionId, vm.subscriptionId)) ??
    items.find((i) => same(i.vm.name, vm.name) && same(i.vm.resourceGroup, vm.resourceGroup))
  );
}

/** vm-protection-active: the vault still protects the VM (not stopped or paused). */
export function evaluateVmProtectionActive(vm: VmRef, vault: VaultRef | undefined, items: readonly ProtectedVm[] | undefined): CheckResult {
  const id = 'vm-protection-active';
  if (vault === undefined || items === undefined) {
    return unknown(id, text(`No vault is known for ${vm.name}, so its protection state cannot be read.`, `Nie wiadomo, który magazyn chroni maszynę ${vm.name}, więc nie da się odczytać stanu ochrony.`));
  }
  const item = findProtectedVm(items, vm);
  if (item === undefined) {
    return fail(id, text(`VM ${vm.name} is not a protected item of vault ${vault.name}.`, `Maszyna ${vm.name} nie jest chronionym elementem magazynu ${vault.name}.`));
  }
  const state = item.protectionState?.trim();
  if (state === undefined || state === '') {
    return unknown(id, text(`Vault ${vault.name} reports no protection state for ${vm.name}.`, `Magazyn ${vault.name} nie podaje stanu ochrony maszyny ${vm.name}.`));
  }
  if (activeStates.has(state.toLowerCase())) {
    return pass(id, text(`Vault ${vault.name} protects ${vm.name} (protection state ${state}).`, `Magazyn ${vault.name} chroni maszynę ${vm.name} (stan ochrony ${state}).`));
  }
  return fail(
    id,
    text(
      `Vault ${vault.name} does not actively protect ${vm.name}: protection state is ${state}. Resume protection, then retry the backup.`,
      `Magazyn ${vault.name} nie chroni aktywnie maszyny ${vm.name}: stan ochrony to ${state}. Wznów ochronę i ponów kopię zapasową.`,
    ),
  );
}
