/** Parsing of the ARM ids alerts carry. Azure lower-cases some of them (alertTargetIDs), so matching ignores case. */
export interface ParsedArmResource {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
}

const vaultPattern = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.recoveryservices\/vaults\/([^/]+)/i;
const vmPattern = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.compute\/virtualmachines\/([^/]+)/i;

function match(pattern: RegExp, id: string): ParsedArmResource | undefined {
  const m = pattern.exec(id.trim());
  if (!m || !m[1] || !m[2] || !m[3]) return undefined;
  return { subscriptionId: m[1], resourceGroup: m[2], name: decodeURIComponent(m[3]) };
}

export function parseVaultId(id: string): ParsedArmResource | undefined {
  return match(vaultPattern, id);
}

export function parseVmId(id: string): ParsedArmResource | undefined {
  return match(vmPattern, id);
}

/** protectedItemId / containerName carry "iaasvmcontainerv2;<rg>;<vm>". */
export function parseContainerVm(text: string): { resourceGroup: string; name: string } | undefined {
  const m = /iaasvmcontainer(?:v2)?;([^;/]+);([^;/]+)/i.exec(text);
  if (!m || !m[1] || !m[2]) return undefined;
  return { resourceGroup: m[1], name: m[2] };
}
