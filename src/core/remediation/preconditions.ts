import type { AzurePort, ProtectedVm, RestorePointCollection, VmStatus } from '../azure-port';
import { asCodedError } from '../errors';
import type { LocalizedText } from '../knowledge/schema';
import type { FixDefinition, PreconditionId } from './fix-catalogue';
import type { FixTarget } from './fix-target';

/** What the preconditions look at, gathered once per offer. */
export interface TargetFacts {
  readonly vmStatus?: VmStatus;
  readonly protectedVm?: ProtectedVm;
  readonly collections?: readonly RestorePointCollection[];
  /** Why a fact could not be read (no permission, VM gone), keyed by what was read. */
  readonly errors: Readonly<Partial<Record<'vm' | 'protectedVm' | 'collections', string>>>;
}

export interface PreconditionFailure {
  readonly id: PreconditionId;
  readonly message: LocalizedText;
}

export const backupExtensionNames = { Windows: 'VMSnapshot', Linux: 'VMSnapshotLinux' } as const;

export async function gatherFacts(azure: AzurePort, target: FixTarget, fix: FixDefinition): Promise<TargetFacts> {
  const needs = new Set(fix.preconditions);
  const errors: Partial<Record<'vm' | 'protectedVm' | 'collections', string>> = {};
  let vmStatus: VmStatus | undefined;
  let protectedVm: ProtectedVm | undefined;
  let collections: RestorePointCollection[] | undefined;
  if (needs.has('vm-running') || needs.has('os-windows') || needs.has('os-linux') || needs.has('backup-extension-present')) {
    try {
      vmStatus = await azure.getVmStatus(target.vm);
    } catch (error) {
      errors.vm = asCodedError(error).message;
    }
  }
  if (needs.has('vm-protected')) {
    try {
      protectedVm = await findProtectedVm(azure, target);
    } catch (error) {
      errors.protectedVm = asCodedError(error).message;
    }
  }
  if (needs.has('restore-point-collection-exists')) {
    try {
      collections = matchingCollections(await azure.listRestorePointCollections(target.vm), target, vmStatus?.id);
    } catch (error) {
      errors.collections = asCodedError(error).message;
    }
  }
  return {
    errors,
    ...(vmStatus ? { vmStatus } : {}),
    ...(protectedVm ? { protectedVm } : {}),
    ...(collections ? { collections } : {}),
  };
}

/** The VM's protected item in its vault (the target's vault, else every vault the identity sees). */
export async function findProtectedVm(azure: AzurePort, target: FixTarget): Promise<ProtectedVm | undefined> {
  const vaults = target.vault ? [target.vault] : await azure.listVaults();
  for (const vault of vaults) {
    const items = await azure.listProtectedVms(vault);
    const match = items.find(
      (item) =>
        item.vm.name.toLowerCase() === target.vm.name.toLowerCase() &&
        item.vm.resourceGroup.toLowerCase() === target.vm.resourceGroup.toLowerCase() &&
        item.vm.subscriptionId.toLowerCase() === target.vm.subscriptionId.toLowerCase(),
    );
    if (match) return match;
  }
  return undefined;
}

/** `AzureBackup_<vm>_<n>` (and the 2018 `AzureBackup_<vm>`), or a collection whose source is the VM. */
export function matchingCollections(all: readonly RestorePointCollection[], target: FixTarget, vmId?: string): RestorePointCollection[] {
  const prefix = `azurebackup_${target.vm.name.toLowerCase()}`;
  return all.filter((c) => {
    const name = c.name.toLowerCase();
    if (name === prefix || name.startsWith(`${prefix}_`)) return true;
    return vmId !== undefined && c.sourceVmId !== undefined && c.sourceVmId.toLowerCase() === vmId.toLowerCase();
  });
}

export function evaluatePreconditions(fix: FixDefinition, facts: TargetFacts): PreconditionFailure[] {
  const failures: PreconditionFailure[] = [];
  for (const id of fix.preconditions) {
    const message = check(id, facts);
    if (message) failures.push({ id, message });
  }
  return failures;
}

function check(id: PreconditionId, facts: TargetFacts): LocalizedText | undefined {
  const vm = facts.vmStatus;
  if (id !== 'vm-protected' && id !== 'restore-point-collection-exists' && vm === undefined) {
    return { en: `The VM could not be read: ${facts.errors.vm ?? 'unknown error'}.`, pl: `Nie udało się odczytać maszyny: ${facts.errors.vm ?? 'nieznany błąd'}.` };
  }
  switch (id) {
    case 'vm-running':
      return vm?.powerState?.toLowerCase() === 'powerstate/running'
        ? undefined
        : { en: `The VM is not running (${vm?.powerState ?? 'unknown power state'}): run commands need a running VM.`, pl: `Maszyna nie działa (${vm?.powerState ?? 'nieznany stan zasilania'}): polecenia Run Command wymagają uruchomionej maszyny.` };
    case 'os-windows':
      return vm?.osType === 'Windows' ? undefined : { en: 'This fix is for Windows VMs.', pl: 'Ta poprawka dotyczy maszyn z systemem Windows.' };
    case 'os-linux':
      return vm?.osType === 'Linux' ? undefined : { en: 'This fix is for Linux VMs.', pl: 'Ta poprawka dotyczy maszyn z systemem Linux.' };
    case 'backup-extension-present':
      return hasBackupExtension(vm) ? undefined : { en: 'The backup extension (VMSnapshot / VMSnapshotLinux) is not installed: the next backup installs it.', pl: 'Rozszerzenie kopii zapasowej (VMSnapshot / VMSnapshotLinux) nie jest zainstalowane: następna kopia zapasowa je zainstaluje.' };
    case 'vm-protected':
      if (facts.errors.protectedVm) return { en: `The vault could not be read: ${facts.errors.protectedVm}.`, pl: `Nie udało się odczytać magazynu: ${facts.errors.protectedVm}.` };
      return facts.protectedVm ? undefined : { en: 'The VM is not protected by a vault the bot can see.', pl: 'Maszyna nie jest chroniona przez magazyn widoczny dla bota.' };
    case 'restore-point-collection-exists':
      if (facts.errors.collections) return { en: `Restore point collections could not be listed: ${facts.errors.collections}.`, pl: `Nie udało się pobrać listy kolekcji punktów przywracania: ${facts.errors.collections}.` };
      return (facts.collections?.length ?? 0) > 0 ? undefined : { en: 'The VM has no AzureBackup_<vm>_* restore point collection.', pl: 'Maszyna nie ma kolekcji punktów przywracania AzureBackup_<vm>_*.' };
  }
}

export function hasBackupExtension(vm: VmStatus | undefined): boolean {
  if (!vm) return false;
  const names = Object.values(backupExtensionNames).map((n) => n.toLowerCase());
  return vm.extensions.some((e) => names.includes(e.name.toLowerCase())) || vm.extensionHandlers.some((h) => /VMSnapshot(Linux)?$/i.test(h.type));
}
