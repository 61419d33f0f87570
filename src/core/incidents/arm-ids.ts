/** Parsing of the ARM ids alerts carry. Azure lower-cases some of them (alertTargetIDs), so matching ignores case. */
export interface ParsedArmResource {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
}

const vaultPattern = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.recoveryservices\/vaults\/([^/]+)/i;
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

/** protectedItemId / containerName carry "iaasvmcontainerv2;<rg>;<vm>". */
export function parseContainerVm(text: string): { resourceGroup: string; name: string } | undefined {
  const m = /iaasvmcontainer(?:v2)?;([^;/]+);([^;/]+)/i.exec(text);
  if (!m || !m[1] || !m[2]) return undefined;
  return { resourceGroup: m[1], name: m[2] };
}
