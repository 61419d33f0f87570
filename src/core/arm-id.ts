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

/** The text %-decoded; itself when an escape is malformed. */
export function safeDecode(s: string): string {
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

/**
 * `/subscriptions/{s}/resourceGroups/{rg}/providers/{provider}/{type}/{name}`, matched without
 * regard to case (Azure lower-cases some ids, e.g. alertTargetIDs). With `exact`, nothing may
 * follow the name but a slash; otherwise child segments may (a VM's extension, a vault's item).
 * A name whose %-escape cannot be decoded is no usable id: undefined (see malformedArmId).
 */
export function parseArmResource(id: string, provider: string, type: string, options: { exact?: boolean } = {}): ParsedResourceId | undefined {
  const m = armResourcePattern(provider, type, options.exact === true).exec(id.trim());
  if (!m?.[1] || !m[2] || !m[3]) return undefined;
  const name = strictDecode(m[3]);
  return name === undefined ? undefined : { subscriptionId: m[1], resourceGroup: m[2], name };
}

/** True when the id has the resource's shape but its name carries a malformed %-escape (e.g. "vm%zz"). */
export function malformedArmResourceName(id: string, provider: string, type: string): boolean {
  // Without a '%' there is no escape to be malformed: most ids, and every alert of a storm, stop here.
  if (!id.includes('%')) return false;
  const m = armResourcePattern(provider, type, false).exec(id.trim());
  return m?.[3] !== undefined && decodeEscapes(m[3]) === undefined;
}

/**
 * Built once per resource type and shape: alerts name the same few types, and a storm checks each
 * id twice. Keyed by provider, then type, so a lookup hashes the callers' literals (whose hashes
 * V8 keeps) instead of a key string built on every call.
 */
const armResourcePatterns = new Map<string, Map<string, { loose?: RegExp; exact?: RegExp }>>();

function armResourcePattern(provider: string, type: string, exact: boolean): RegExp {
  let byType = armResourcePatterns.get(provider);
  if (byType === undefined) armResourcePatterns.set(provider, (byType = new Map()));
  let shapes = byType.get(type);
  if (shapes === undefined) byType.set(type, (shapes = {}));
  const cached = exact ? shapes.exact : shapes.loose;
  if (cached !== undefined) return cached;
  const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`^/subscriptions/([^/]+)/resourcegroups/([^/]+)/providers/${literal(provider)}/${literal(type)}/([^/]+)${exact ? '/?$' : ''}`, 'i');
  if (exact) shapes.exact = pattern;
  else shapes.loose = pattern;
  return pattern;
}

/**
 * Control characters (a bell, a newline) and the marks that reorder text (a right-to-left
 * override): no Azure resource name has one, and on a card they would disguise the name.
 * Joiners stay allowed: a database name in Persian may need U+200C.
 */
export const hiddenCharacters = /[\p{Cc}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/** The name %-decoded; undefined when an escape is malformed or decodes to a hidden character (no Azure name has one). */
export function strictDecode(s: string): string | undefined {
  const name = decodeEscapes(s);
  return name !== undefined && s.includes('%') && hiddenCharacters.test(name) ? undefined : name;
}

/** The name %-decoded; undefined when an escape is malformed. */
function decodeEscapes(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
