/**
 * ARM resource id parsing. ARM treats segment names case-insensitively and the services
 * are not consistent ("/Subscriptions/" in backup job ids, "resourcegroups" in alert ids).
 */

/** The segment that follows `key` (first occurrence, case-insensitive), decoded. */
export function armIdSegment(id: string, key: string): string | undefined {
  const parts = id.split('/').filter((p) => p.length > 0);
  const lower = key.toLowerCase();
  for (let i = 0; i < parts.length - 1; i += 1) {
    if (parts[i]?.toLowerCase() === lower) return safeDecode(parts[i + 1] ?? '');
  }
  return undefined;
}

/** The segment that follows the last occurrence of `key`. */
export function armIdLastSegment(id: string, key: string): string | undefined {
  const parts = id.split('/').filter((p) => p.length > 0);
  const lower = key.toLowerCase();
  for (let i = parts.length - 2; i >= 0; i -= 1) {
    if (parts[i]?.toLowerCase() === lower) return safeDecode(parts[i + 1] ?? '');
  }
  return undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export interface ParsedResourceId {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
}

/** Subscription, resource group and the name after `typeSegment` (e.g. virtualMachines). */
export function parseResourceId(id: string, typeSegment: string): ParsedResourceId | undefined {
  const subscriptionId = armIdSegment(id, 'subscriptions');
  const resourceGroup = armIdSegment(id, 'resourceGroups');
  const name = armIdLastSegment(id, typeSegment);
  if (!subscriptionId || !resourceGroup || !name) return undefined;
  return { subscriptionId, resourceGroup, name };
}

/** The scope a lock is defined at: its id up to /providers/Microsoft.Authorization/locks/. */
export function lockScope(lockId: string): string {
  const m = /^(.*?)\/providers\/Microsoft\.Authorization\/locks\/[^/]+$/i.exec(lockId);
  return m?.[1] ?? lockId;
}

/** True when two ARM ids name the same resource. */
export function sameArmId(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const norm = (s: string): string => safeDecode(s).replace(/\/+$/, '').toLowerCase();
  return norm(a) === norm(b);
}

/** "iaasvmcontainerv2;<rg>;<vm>" (or the full IaasVMContainer;... form) into its parts. */
export function parseContainerName(containerName: string | undefined): { resourceGroup: string; vmName: string } | undefined {
  if (!containerName) return undefined;
  const parts = containerName.split(';');
  if (parts.length < 3) return undefined;
  const vmName = parts[parts.length - 1];
  const resourceGroup = parts[parts.length - 2];
  if (!vmName || !resourceGroup) return undefined;
  return { resourceGroup, vmName };
}
