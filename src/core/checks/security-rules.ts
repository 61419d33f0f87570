import type { EffectiveSecurityRule } from '../azure-port';

/**
 * Reading effective NSG rules the way Azure applies them: outbound rules in priority
 * order (lower number first), the first rule that covers the traffic decides.
 * The port gives one flat list (NIC and subnet NSGs together); a NIC allow followed by a
 * subnet deny is therefore read as allowed, which is why a pass says "no NSG rule blocks".
 */

export interface Traffic {
  readonly port: number;
  /** Whether a rule's destination covers the traffic's destination. */
  readonly destination: (rule: EffectiveSecurityRule) => string | undefined;
}

export interface RuleDecision {
  readonly rule: EffectiveSecurityRule;
  /** The destination prefix of the rule that matched (e.g. "Internet", "0.0.0.0/0"). */
  readonly matchedDestination: string;
}

export function outboundInPriorityOrder(rules: readonly EffectiveSecurityRule[]): EffectiveSecurityRule[] {
  return rules
    .filter((r) => r.direction.toLowerCase() === 'outbound')
    .map((rule, index) => ({ rule, index }))
    // Equal priorities only happen across two NSGs; keep the list order then (stable sort).
    .sort((a, b) => a.rule.priority - b.rule.priority || a.index - b.index)
    .map((x) => x.rule);
}

/** The first outbound rule that covers TCP traffic to the destination on the port. */
export function decidingRule(rules: readonly EffectiveSecurityRule[], traffic: Traffic): RuleDecision | undefined {
  for (const rule of outboundInPriorityOrder(rules)) {
    if (!coversTcp(rule.protocol)) continue;
    if (!coversPort(rule.destinationPortRanges, traffic.port)) continue;
    const matched = traffic.destination(rule);
    if (matched !== undefined) return { rule, matchedDestination: matched };
  }
  return undefined;
}

export function coversTcp(protocol: string | undefined): boolean {
  if (protocol === undefined) return true;
  const p = protocol.trim().toLowerCase();
  return p === '' || p === '*' || p === 'all' || p === 'tcp';
}

/**
 * Port ranges as effective rules print them: "443", "0-65535", "*", "80-443", and lists.
 * No range at all means the rule did not restrict ports.
 */
export function coversPort(ranges: readonly string[], port: number): boolean {
  const parts = ranges.flatMap((r) => r.split(',')).map((r) => r.trim()).filter((r) => r !== '');
  if (parts.length === 0) return true;
  return parts.some((part) => {
    if (part === '*' || part.toLowerCase() === 'any') return true;
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(part);
    if (range) return Number(range[1]) <= port && port <= Number(range[2]);
    return /^\d+$/.test(part) && Number(part) === port;
  });
}

/** Every destination prefix a rule names: the declared ones and, for service tags, the expansion. */
function declaredDestinations(rule: EffectiveSecurityRule): string[] {
  return rule.destinationAddressPrefixes.flatMap((p) => p.split(',')).map((p) => p.trim()).filter((p) => p !== '');
}

function expandedDestinations(rule: EffectiveSecurityRule): string[] {
  return rule.expandedDestinationAddressPrefix.map((p) => p.trim()).filter((p) => p !== '');
}

const anywhere = new Set(['*', 'any', '0.0.0.0/0', '::/0']);

/**
 * Destinations that cover Azure Storage in the VM's region: anything, the Internet tag
 * (Storage addresses are public), the Storage and AzureCloud tags, global or regional.
 */
export function storageDestination(location: string | undefined): (rule: EffectiveSecurityRule) => string | undefined {
  const region = normaliseRegion(location);
  const covers = (prefix: string): boolean => {
    const p = prefix.toLowerCase();
    if (anywhere.has(p) || p === 'internet') return true;
    const tag = /^(storage|azurecloud)(?:\.(.+))?$/.exec(p);
    if (!tag) return false;
    // A regional tag of another region does not cover this VM's storage; without a known region assume it does.
    return tag[2] === undefined || region === undefined || normaliseRegion(tag[2]) === region;
  };
  return (rule) => {
    const declared = declaredDestinations(rule);
    if (declared.length === 0 && expandedDestinations(rule).length === 0) return '*';
    return declared.find(covers) ?? expandedDestinations(rule).find((p) => anywhere.has(p.toLowerCase()));
  };
}

/**
 * Destinations that name one IPv4 address explicitly: the address or a CIDR containing it,
 * declared or through a service tag's expansion. Wildcards ("*", 0.0.0.0/0) do not count:
 * the host address 168.63.129.16 is not subject to NSG rules unless a rule targets it
 * (Azure NSG overview, "Virtual IP of the host node"), so DenyAllOutBound does not block it.
 * An Allow with a wildcard still lets the traffic through ahead of a later explicit Deny.
 */
export function addressDestination(address: string): (rule: EffectiveSecurityRule) => string | undefined {
  const target = parseIpv4(address);
  const isWildcard = (prefix: string): boolean => anywhere.has(prefix.toLowerCase()) || /\/0$/.test(prefix.trim());
  return (rule) => {
    const allow = rule.access === 'Allow';
    const covers = (prefix: string): boolean => {
      if (isWildcard(prefix)) return allow;
      return target !== undefined && cidrContains(prefix, target);
    };
    const declared = declaredDestinations(rule);
    if (allow && declared.length === 0 && expandedDestinations(rule).length === 0) return '*';
    const direct = declared.find(covers);
    if (direct !== undefined) return direct;
    const viaExpansion = expandedDestinations(rule).find(covers);
    if (viaExpansion === undefined) return undefined;
    const tag = declared[0];
    return tag === undefined ? viaExpansion : `${tag} (${viaExpansion})`;
  };
}

export function parseIpv4(value: string): number | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(value.trim());
  if (!match) return undefined;
  const octets = match.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((acc, o) => acc * 256 + o, 0);
}

export function cidrContains(prefix: string, address: number): boolean {
  const [ip, bitsText] = prefix.trim().split('/');
  const network = parseIpv4(ip ?? '');
  if (network === undefined) return false;
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(network / size) === Math.floor(address / size);
}

export function normaliseRegion(region: string | undefined): string | undefined {
  if (region === undefined) return undefined;
  const r = region.replace(/\s+/g, '').toLowerCase();
  return r === '' ? undefined : r;
}

export function describeRule(rule: EffectiveSecurityRule): string {
  return `${rule.name} (priority ${rule.priority})`;
}

export function describeRulePl(rule: EffectiveSecurityRule): string {
  return `${rule.name} (priorytet ${rule.priority})`;
}
