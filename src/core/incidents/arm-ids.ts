import { malformedArmResourceName, parseArmResource, parseContainerName, type ParsedResourceId } from '../arm-id';

/** The ARM ids alerts carry, parsed with the one ARM id module (src/core/arm-id.ts). */
export type ParsedArmResource = ParsedResourceId;

/** True for a vault or VM ARM id whose name carries a malformed %-escape (e.g. "vm%zz"), which cannot be decoded. */
export function malformedArmId(id: string): boolean {
  return malformedArmResourceName(id, 'Microsoft.RecoveryServices', 'vaults') || malformedArmResourceName(id, 'Microsoft.Compute', 'virtualMachines');
}

export function parseVaultId(id: string): ParsedArmResource | undefined {
  return parseArmResource(id, 'Microsoft.RecoveryServices', 'vaults');
}

export function parseVmId(id: string): ParsedArmResource | undefined {
  return parseArmResource(id, 'Microsoft.Compute', 'virtualMachines');
}

/** protectedItemId / containerName carry "iaasvmcontainerv2;<rg>;<vm>". */
export function parseContainerVm(text: string): { resourceGroup: string; name: string } | undefined {
  const m = /iaasvmcontainer(?:v2)?;[^/]*/i.exec(text);
  const parsed = m ? parseContainerName(m[0]) : undefined;
  return parsed ? { resourceGroup: parsed.resourceGroup, name: parsed.vmName } : undefined;
}
