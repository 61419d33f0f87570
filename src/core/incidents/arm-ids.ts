import { malformedArmResourceName, parseArmResource, parseContainerName, type ParsedResourceId, strictDecode } from '../arm-id';

/** The ARM ids alerts carry, parsed with the one ARM id module (src/core/arm-id.ts). */
export type ParsedArmResource = ParsedResourceId;

/** True for a vault or VM ARM id whose name carries a malformed %-escape (e.g. "vm%zz"), which cannot be decoded. */
export function malformedArmId(id: string): boolean {
  return malformedArmResourceName(id, 'Microsoft.RecoveryServices', 'vaults') || malformedArmResourceName(id, 'Microsoft.DataProtection', 'backupVaults') || malformedArmResourceName(id, 'Microsoft.Compute', 'virtualMachines');
}

/** A Recovery Services vault, or a Backup vault (Microsoft.DataProtection: disks, blobs), which raises the same alerts. */
export function parseVaultId(id: string): ParsedArmResource | undefined {
  return parseArmResource(id, 'Microsoft.RecoveryServices', 'vaults') ?? parseArmResource(id, 'Microsoft.DataProtection', 'backupVaults');
}

export function parseVmId(id: string): ParsedArmResource | undefined {
  return parseArmResource(id, 'Microsoft.Compute', 'virtualMachines');
}

/**
 * protectedItemId / containerName carry "iaasvmcontainerv2;<rg>;<vm>", the full container name
 * "IaasVMContainer;iaasvmcontainerv2;<rg>;<vm>" (whose second part is not the resource group).
 */
export function parseContainerVm(text: string): { resourceGroup: string; name: string } | undefined {
  const m = /iaasvmcontainer(?:v2)?;[^/]*/i.exec(text);
  const parsed = m ? parseContainerName(m[0]) : undefined;
  return parsed ? { resourceGroup: parsed.resourceGroup, name: parsed.vmName } : undefined;
}

/**
 * The container and item names of a protected item id, with or without the backupFabrics segment
 * (".../protectionContainers/VMAppContainer;Compute;rg;vm/protectedItems/SQLDataBase;MSSQLSERVER;db").
 * Names arrive %-encoded from some senders (";" as %3B).
 */
export function parseProtectedItemId(id: string): { readonly container: string; readonly item: string } | undefined {
  const m = /\/protectionContainers\/([^/]+)\/protectedItems\/([^/?#]+)/i.exec(id.trim());
  if (!m || !m[1] || !m[2]) return undefined;
  const container = strictDecode(m[1]);
  const item = strictDecode(m[2]);
  return container === undefined || item === undefined ? undefined : { container, item };
}

/**
 * The resource type and name an ARM id ends with: "microsoft.compute/virtualmachines" and "vm01",
 * or for a nested id (".../virtualMachines/vm01/providers/Microsoft.RecoveryServices/backupProtectedItem/SQLDataBase;MSSQLSERVER;db")
 * the innermost provider's type and name.
 */
export function armResourceType(id: string): { readonly type: string; readonly name: string } | undefined {
  const trimmed = id.trim();
  const at = trimmed.toLowerCase().lastIndexOf('/providers/');
  if (!trimmed.startsWith('/') || at < 0) return undefined;
  const parts = trimmed.slice(at + '/providers/'.length).split('/').filter((p) => p.length > 0);
  const namespace = parts[0];
  if (!namespace || parts.length < 3) return undefined;
  const types: string[] = [];
  for (let i = 1; i < parts.length; i += 2) types.push(parts[i] ?? '');
  const name = strictDecode(parts.length % 2 === 1 ? (parts[parts.length - 1] ?? '') : '');
  if (!name) return undefined;
  return { type: `${namespace}/${types.join('/')}`.toLowerCase(), name };
}
