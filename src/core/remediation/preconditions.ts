import { parseArmResource } from '../arm-id';
import type { AzurePort, CallOptions, ProtectedVm, ResourceLock, RestorePointCollection, VmStatus } from '../azure-port';
import type { AzureDeadline } from '../azure-lookup/azure-deadline';
import { asCodedError } from '../errors';
import { isAmbiguous, ownCollections, sameResourceId, sourceVmOf, vmArmId } from '../restore-point-ownership';
import type { LocalizedText } from '../knowledge/schema';
import type { FixDefinition, PreconditionId } from './fix-catalogue';
import type { FixTarget } from './fix-target';

/** What the preconditions look at, gathered once per offer. */
export interface TargetFacts {
  readonly vmStatus?: VmStatus;
  readonly protectedVm?: ProtectedVm;
  readonly collections?: readonly RestorePointCollection[];
  /** The locks on the collections' resource groups now (shown on the plan and to the approver; the run reads them again). */
  readonly locks?: readonly ResourceLock[];
  /** Why a fact could not be read (no permission, VM gone), keyed by what was read. */
  readonly errors: Readonly<Partial<Record<'vm' | 'protectedVm' | 'collections', string>>>;
}

export interface PreconditionFailure {
  readonly id: PreconditionId;
  readonly message: LocalizedText;
}

export const backupExtensionNames = { Windows: 'VMSnapshot', Linux: 'VMSnapshotLinux' } as const;

/**
 * Reads what the fix's preconditions need. Under the press's deadline when it has one (a plan or
 * request is a chat turn): a read Azure does not answer in time is a fact that could not be read,
 * so the plan says "Azure did not answer" instead of the turn hanging.
 */
export async function gatherFacts(azure: AzurePort, target: FixTarget, fix: FixDefinition, deadline?: AzureDeadline): Promise<TargetFacts> {
  const read = <T>(call: (options: CallOptions) => Promise<T>): Promise<T> => (deadline ? deadline.run((abortSignal) => call({ abortSignal })) : call({}));
  const needs = new Set(fix.preconditions);
  const errors: Partial<Record<'vm' | 'protectedVm' | 'collections', string>> = {};
  let vmStatus: VmStatus | undefined;
  let protectedVm: ProtectedVm | undefined;
  let collections: RestorePointCollection[] | undefined;
  if (needs.has('vm-running') || needs.has('os-windows') || needs.has('os-linux') || needs.has('backup-extension-present')) {
    try {
      vmStatus = await read((options) => azure.getVmStatus(target.vm, options));
    } catch (error) {
      errors.vm = asCodedError(error).message;
    }
  }
  if (needs.has('vm-protected')) {
    try {
      protectedVm = await read((options) => findProtectedVm(azure, target, options));
    } catch (error) {
      errors.protectedVm = asCodedError(error).message;
    }
  }
  if (needs.has('restore-point-collection-exists')) {
    try {
      collections = matchingCollections(await read((options) => azure.listRestorePointCollections(target.vm, options)), target, vmStatus?.location);
    } catch (error) {
      errors.collections = asCodedError(error).message;
    }
  }
  let locks: ResourceLock[] | undefined;
  if (collections !== undefined && collections.length > 0 && fix.operations.some((op) => op.kind === 'delete-locks')) {
    try {
      const groups = [...new Map(collections.map((c) => [`${c.subscriptionId}/${c.resourceGroup}`.toLowerCase(), c])).values()];
      locks = (await Promise.all(groups.map((c) => read((options) => azure.listResourceGroupLocks(c.subscriptionId, c.resourceGroup, options))))).flat();
    } catch {
      // Shown when known; the run records the locks it finds either way.
      locks = undefined;
    }
  }
  return {
    errors,
    ...(vmStatus ? { vmStatus } : {}),
    ...(protectedVm ? { protectedVm } : {}),
    ...(collections ? { collections } : {}),
    ...(locks ? { locks } : {}),
  };
}

/** The VM's protected item in its vault (the target's vault, else every vault the identity sees). */
export async function findProtectedVm(azure: AzurePort, target: FixTarget, options: CallOptions = {}): Promise<ProtectedVm | undefined> {
  const vaults = target.vault ? [target.vault] : await azure.listVaults(options);
  for (const vault of vaults) {
    const items = await azure.listProtectedVms(vault, options);
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

/**
 * The target VM's own collections, re-checked here whatever the port returned: `source.id` is the
 * VM; only a collection without a source matches by its exact `AzureBackup_<vm>_<n>` name (in the
 * VM's region when known), marked `matchedBy: 'name-only'`.
 */
export function matchingCollections(all: readonly RestorePointCollection[], target: FixTarget, vmLocation?: string): RestorePointCollection[] {
  return ownCollections(all, { vm: target.vm, ...(vmLocation ? { location: vmLocation } : {}) });
}

/** Why the collections cannot be deleted safely: a name-only match another VM of that name could own. */
export function ambiguousCollectionsText(collections: readonly RestorePointCollection[]): LocalizedText | undefined {
  const ambiguous = collections.filter(isAmbiguous);
  if (ambiguous.length === 0) return undefined;
  const list = ambiguous.map((c) => `${c.name} (${(c.sameNameVmIds ?? []).map(vmLabel).join(', ')})`).join('; ');
  return {
    en: `Restore point collection ${list}: it records no source VM and another VM of the same name could own it, so the bot will not delete it. Check it in the portal (Show hidden types) and delete it by hand if it is this VM's.`,
    pl: `Kolekcja punktów przywracania ${list}: nie ma zapisanej maszyny źródłowej, a może należeć do innej maszyny o tej samej nazwie, więc bot jej nie usunie. Sprawdź ją w portalu (Pokaż ukryte typy) i usuń ręcznie, jeśli należy do tej maszyny.`,
  };
}

/**
 * Re-checked right before a delete: each collection's source VM (not the collection's shared
 * AzureBackupRG_* group) must be the target VM, inside the fix policy's scope, and a name-only
 * match must not be claimable by another VM. Returns why the fix must refuse, or undefined.
 */
export function collectionScopeProblem(collections: readonly RestorePointCollection[], target: FixTarget, inScope: (subscriptionId: string, resourceGroup: string) => boolean): string | undefined {
  for (const c of collections) {
    const source = sourceVmOf(c, target.vm);
    if (!source) return `Restore point collection ${c.name} has a source that is not a VM (${c.sourceVmId ?? '?'})`;
    if (!inScope(source.subscriptionId, source.resourceGroup)) return `Restore point collection ${c.name} belongs to VM ${source.resourceGroup}/${source.name}, outside the fix policy's scope`;
    if (c.sourceVmId !== undefined && !sameResourceId(c.sourceVmId, vmArmId(target.vm))) return `Restore point collection ${c.name} belongs to VM ${source.resourceGroup}/${source.name}, not to ${target.vm.resourceGroup}/${target.vm.name}`;
    if (isAmbiguous(c)) {
      const others = (c.sameNameVmIds ?? []).map((id) => ({ id, vm: sourceVmOf({ ...c, sourceVmId: id }, target.vm) }));
      const outside = others.filter((o) => !o.vm || !inScope(o.vm.subscriptionId, o.vm.resourceGroup)).map((o) => vmLabel(o.id));
      return `Restore point collection ${c.name} records no source VM and VM ${others.map((o) => vmLabel(o.id)).join(', ')} of the same name could own it${outside.length ? ` (${outside.join(', ')} outside the fix policy's scope)` : ''}`;
    }
  }
  return undefined;
}

function vmLabel(id: string): string {
  const vm = parseArmResource(id, 'Microsoft.Compute', 'virtualMachines');
  return vm ? `${vm.resourceGroup}/${vm.name}` : id;
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
      if ((facts.collections?.length ?? 0) === 0) return { en: 'The VM has no AzureBackup_<vm>_* restore point collection.', pl: 'Maszyna nie ma kolekcji punktów przywracania AzureBackup_<vm>_*.' };
      return ambiguousCollectionsText(facts.collections ?? []);
  }
}

export function hasBackupExtension(vm: VmStatus | undefined): boolean {
  if (!vm) return false;
  const names = Object.values(backupExtensionNames).map((n) => n.toLowerCase());
  return vm.extensions.some((e) => names.includes(e.name.toLowerCase())) || vm.extensionHandlers.some((h) => /VMSnapshot(Linux)?$/i.test(h.type));
}
