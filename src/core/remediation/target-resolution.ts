import type { AzurePort, VaultRef } from '../azure-port';
import { asCodedError } from '../errors';
import type { FixTarget } from './fix-target';

/** What a troubleshooting session knows about the VM (names only; an alert or a question filled it). */
export interface TargetHint {
  readonly vm?: string;
  readonly vault?: string;
  readonly subscriptionId?: string;
  readonly resourceGroup?: string;
}

export type TargetResolution = { readonly ok: true; readonly target: FixTarget } | { readonly ok: false; readonly reason: 'no-vm' | 'not-found' | 'ambiguous' | 'azure-error'; readonly detail?: string };

/**
 * Finds the VM a fix would run on, from the server-side session, through the vaults the bot
 * can see: the protected item gives subscription, resource group and vault. Never from card data.
 */
export async function resolveFixTarget(azure: AzurePort, hint: TargetHint | undefined): Promise<TargetResolution> {
  if (!hint?.vm) return { ok: false, reason: 'no-vm' };
  const name = hint.vm.toLowerCase();
  try {
    const vaults: VaultRef[] = (await azure.listVaults()).filter(
      (v) => (hint.vault === undefined || v.name.toLowerCase() === hint.vault.toLowerCase()) && (hint.subscriptionId === undefined || v.subscriptionId.toLowerCase() === hint.subscriptionId.toLowerCase()),
    );
    const matches: FixTarget[] = [];
    for (const vault of vaults) {
      for (const item of await azure.listProtectedVms(vault)) {
        if (item.vm.name.toLowerCase() !== name) continue;
        if (hint.resourceGroup !== undefined && item.vm.resourceGroup.toLowerCase() !== hint.resourceGroup.toLowerCase()) continue;
        matches.push({ vm: item.vm, vault: item.vault });
      }
    }
    if (matches.length === 1 && matches[0]) return { ok: true, target: matches[0] };
    if (matches.length > 1) return { ok: false, reason: 'ambiguous', detail: matches.map((m) => `${m.vm.subscriptionId}/${m.vm.resourceGroup}`).join(', ') };
    // Not protected (yet): with a full reference the VM itself can still be fixed.
    if (hint.subscriptionId && hint.resourceGroup) return { ok: true, target: { vm: { subscriptionId: hint.subscriptionId, resourceGroup: hint.resourceGroup, name: hint.vm } } };
    return { ok: false, reason: 'not-found' };
  } catch (error) {
    return { ok: false, reason: 'azure-error', detail: asCodedError(error).message };
  }
}
