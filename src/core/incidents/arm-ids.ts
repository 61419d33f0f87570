/** Parsing of the ARM ids alerts carry. Azure lower-cases some of them (alertTargetIDs), so matching ignores case. */
export interface ParsedArmResource {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
}

/** A Recovery Services vault, or a Backup vault (Microsoft.DataProtection: disks, blobs), which raises the same alerts. */
const vaultPattern = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.(?:recoveryservices\/vaults|dataprotection\/backupvaults)\/([^/]+)/i;
const vmPattern = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.compute\/virtualmachines\/([^/]+)/i;

function decodeName(name: string): string | undefined {
  try {
    return decodeURIComponent(name);
  } catch {
    // A malformed %-escape (URIError): not a usable id. Normalisation names the field (malformedArmId).
    return undefined;
  }
}

function match(pattern: RegExp, id: string): ParsedArmResource | undefined {
  const m = pattern.exec(id.trim());
  if (!m || !m[1] || !m[2] || !m[3]) return undefined;
  const name = decodeName(m[3]);
  return name === undefined ? undefined : { subscriptionId: m[1], resourceGroup: m[2], name };
}

/** True for a vault or VM ARM id whose name carries a malformed %-escape (e.g. "vm%zz"), which cannot be decoded. */
export function malformedArmId(id: string): boolean {
  const m = vaultPattern.exec(id.trim()) ?? vmPattern.exec(id.trim());
  return m?.[3] !== undefined && decodeName(m[3]) === undefined;
}

export function parseVaultId(id: string): ParsedArmResource | undefined {
  return match(vaultPattern, id);
}

export function parseVmId(id: string): ParsedArmResource | undefined {
  return match(vmPattern, id);
}

/**
 * protectedItemId / containerName carry "iaasvmcontainerv2;<rg>;<vm>", the full container name
 * "IaasVMContainer;iaasvmcontainerv2;<rg>;<vm>" (whose second part is not the resource group).
 */
export function parseContainerVm(text: string): { resourceGroup: string; name: string } | undefined {
  const m = /iaasvmcontainer(?:v2)?;(?!iaasvmcontainer(?:v2)?;)([^;/]+);([^;/]+)/i.exec(text);
  if (!m || !m[1] || !m[2]) return undefined;
  return { resourceGroup: m[1], name: m[2] };
}

/**
 * The container and item names of a protected item id, with or without the backupFabrics segment
 * (".../protectionContainers/VMAppContainer;Compute;rg;vm/protectedItems/SQLDataBase;MSSQLSERVER;db").
 * Names arrive %-encoded from some senders (";" as %3B).
 */
export function parseProtectedItemId(id: string): { readonly container: string; readonly item: string } | undefined {
  const m = /\/protectionContainers\/([^/]+)\/protectedItems\/([^/?#]+)/i.exec(id.trim());
  if (!m || !m[1] || !m[2]) return undefined;
  const container = decodeName(m[1]);
  const item = decodeName(m[2]);
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
  const name = decodeName(parts.length % 2 === 1 ? (parts[parts.length - 1] ?? '') : '');
  if (!name) return undefined;
  return { type: `${namespace}/${types.join('/')}`.toLowerCase(), name };
}
