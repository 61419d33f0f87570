import type { AzurePort, ProtectedVm, VaultRef, VmRef } from '../azure-port';
import { type CodedError, asCodedError } from '../errors';
import { type AzureDeadline, isTimeout } from './azure-deadline';

/** What a troubleshooting session knows about its VM (names only; an alert or a question filled it). */
export interface VmHint {
  readonly vm?: string;
  readonly vault?: string;
  readonly subscriptionId?: string;
  readonly resourceGroup?: string;
}

/** One VM the hint may mean, with the vault protecting it when a vault lists it. */
export interface VmMatch {
  readonly vm: VmRef;
  readonly vault?: VaultRef;
  readonly item?: ProtectedVm;
}

export type VmLookup =
  | { readonly kind: 'found'; readonly match: VmMatch }
  | { readonly kind: 'no-vm' }
  | { readonly kind: 'not-found'; readonly vmName: string }
  /** Several VMs of that name (other subscriptions or resource groups): the bot will not pick one. */
  | { readonly kind: 'ambiguous'; readonly vmName: string; readonly matches: readonly VmMatch[] }
  | { readonly kind: 'azure-error'; readonly error: CodedError; readonly timedOut: boolean };

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
const vmKey = (vm: VmRef): string => `${vm.subscriptionId}/${vm.resourceGroup}/${vm.name}`.toLowerCase();

/**
 * The one VM lookup "Run checks" and the fixes share, so the checks examine the VM a fix would
 * change. The VM is found by name among the protected items of the vaults the bot can see (read
 * in parallel, within the turn's deadline), then, for a VM no vault backs up as a VM, among the
 * VMs whose SQL Server or SAP HANA databases a vault protects; a subscription, resource group or vault in the hint
 * narrows the search. Two VMs of the same name are an ambiguity, never a first match. With the
 * subscription and resource group known the VM is exact even when no vault protects it.
 * Never throws.
 */
export async function findVm(azure: AzurePort, hint: VmHint | undefined, deadline: AzureDeadline): Promise<VmLookup> {
  const name = hint?.vm?.trim();
  if (hint === undefined || name === undefined || name === '') return { kind: 'no-vm' };
  const exact: VmRef | undefined = hint.subscriptionId && hint.resourceGroup ? { subscriptionId: hint.subscriptionId, resourceGroup: hint.resourceGroup, name } : undefined;

  let vaults: VaultRef[];
  try {
    vaults = await deadline.run((abortSignal) => azure.listVaults({ abortSignal }));
  } catch (error) {
    // Without the vault list an exact reference still names the VM; only its vault stays unknown.
    if (exact !== undefined && !isTimeout(error)) return { kind: 'found', match: { vm: exact } };
    return failure(error);
  }
  const scope = vaults.filter((v) => hint.subscriptionId === undefined || same(v.subscriptionId, hint.subscriptionId));
  const listed = await Promise.allSettled(scope.map((vault) => deadline.run((abortSignal) => azure.listProtectedVms(vault, { abortSignal }))));
  const timeout = listed.find((r): r is PromiseRejectedResult => r.status === 'rejected' && isTimeout(r.reason));
  if (timeout !== undefined) return failure(timeout.reason);

  const wanted = (item: { readonly vm: VmRef }): boolean =>
    same(item.vm.name, name) &&
    (hint.resourceGroup === undefined || same(item.vm.resourceGroup, hint.resourceGroup)) &&
    (hint.subscriptionId === undefined || same(item.vm.subscriptionId, hint.subscriptionId));
  const inNamedVault = (match: VmMatch): boolean => hint.vault !== undefined && match.vault !== undefined && same(match.vault.name, hint.vault);
  // A vault named by the alert or question is where the VM is; elsewhere only when that vault does not list it.
  const decide = (found: readonly VmMatch[]): VmLookup | undefined => {
    const preferred = found.some(inNamedVault) ? found.filter(inNamedVault) : found;
    const byVm = new Map<string, VmMatch>();
    for (const match of preferred) if (!byVm.has(vmKey(match.vm))) byVm.set(vmKey(match.vm), match);
    const matches = [...byVm.values()];
    const only = matches[0];
    if (matches.length === 1 && only !== undefined) return { kind: 'found', match: only };
    if (matches.length > 1) return { kind: 'ambiguous', vmName: name, matches };
    return undefined;
  };
  const items = listed.flatMap((r) => (r.status === 'fulfilled' ? r.value.filter(wanted) : []));
  const asVm = decide(items.map((item) => ({ vm: item.vm, vault: item.vault, item })));
  if (asVm !== undefined) return asVm;

  // A VM protected only for its SQL Server or SAP HANA databases has no Azure VM item: its vault lists its databases instead.
  const databases = await Promise.allSettled(scope.map((vault) => deadline.run((abortSignal) => azure.listDatabaseVms(vault, { abortSignal }))));
  const databaseTimeout = databases.find((r): r is PromiseRejectedResult => r.status === 'rejected' && isTimeout(r.reason));
  if (databaseTimeout !== undefined) return failure(databaseTimeout.reason);
  const asDatabaseHost = decide(databases.flatMap((r) => (r.status === 'fulfilled' ? r.value.filter(wanted).map((host) => ({ vm: host.vm, vault: host.vault })) : [])));
  if (asDatabaseHost !== undefined) return asDatabaseHost;
  // Not protected by any vault the bot can see: a full reference can still be checked and fixed.
  if (exact !== undefined) return { kind: 'found', match: { vm: exact } };
  // A vault that did not answer may be the one protecting it: that is not "not found".
  const refused = [...listed, ...databases].find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (refused !== undefined) return failure(refused.reason);
  return { kind: 'not-found', vmName: name };
}

function failure(error: unknown): VmLookup {
  return { kind: 'azure-error', error: asCodedError(error), timedOut: isTimeout(error) };
}

/** "sub/rg" of each candidate, for the "which one?" answer and the audit. */
export function describeMatches(matches: readonly VmMatch[]): string {
  return matches.map((m) => `${m.vm.subscriptionId}/${m.vm.resourceGroup}`).join(', ');
}
