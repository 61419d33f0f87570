import { ResourceGraphClient } from '@azure/arm-resourcegraph';
import type { TokenCredential } from '@azure/core-auth';
import type { EffectiveSecurityRule, ProtectedVm, ResourceLock, VaultRef } from '../core/azure-port';
import type { ListedRestorePointCollection } from '../core/sweep/fleet-read-port';
import { armIdSegment, lockScope, parseContainerName, parseResourceId } from '../core/arm-id';
import { toCodedError, type AzureOperation } from './azure-errors';
import { ARM_ENDPOINT } from './sdk-azure-gateway';
import { trimTrailing } from '../core/trim-trailing';

/**
 * The Azure VMs every vault protects, across subscriptions, in one Resource Graph query (a page
 * per 1,000 rows) instead of a list call per vault: what the fleet sweep starts from.
 */
export const protectedVmsQuery = [
  'recoveryservicesresources',
  "| where type =~ 'microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems'",
  "| where properties.backupManagementType =~ 'AzureIaasVM'",
  '| project id, sourceResourceId = tostring(properties.sourceResourceId), friendlyName = tostring(properties.friendlyName), protectionState = tostring(properties.protectionState), healthStatus = tostring(properties.healthStatus), lastBackupStatus = tostring(properties.lastBackupStatus), lastBackupTime = tostring(properties.lastBackupTime)',
  '| order by id asc',
].join('\n');

/** Rows per page: Resource Graph returns at most 1,000. */
const pageSize = 1000;

export interface ResourceGraphInventoryOptions {
  readonly credential: TokenCredential;
  readonly endpoint?: string;
  readonly ca?: string | Buffer;
  readonly retry?: { readonly maxRetries: number; readonly retryDelayInMs?: number; readonly maxRetryDelayInMs?: number };
}

interface ProtectedItemRow {
  readonly id?: string;
  readonly sourceResourceId?: string;
  readonly friendlyName?: string;
  readonly protectionState?: string;
  readonly healthStatus?: string;
  readonly lastBackupStatus?: string;
  readonly lastBackupTime?: string;
}

/** Counts the queries it made (the benchmark reports them apart from the per-VM reads). */
export class ResourceGraphInventory {
  private readonly client: ResourceGraphClient;
  queries = 0;

  constructor(options: ResourceGraphInventoryOptions) {
    this.client = new ResourceGraphClient(options.credential, {
      endpoint: trimTrailing(options.endpoint ?? ARM_ENDPOINT, '/'),
      credentials: { scopes: ['https://management.azure.com/.default'] },
      ...(options.ca ? { tlsOptions: { ca: options.ca } } : {}),
      ...(options.retry ? { retryOptions: options.retry } : {}),
    });
  }

  /** Every protected Azure VM in the subscriptions (all the identity can read when none are given), following skipToken. */
  async listProtectedVms(subscriptionIds: readonly string[], options: { abortSignal?: AbortSignal } = {}): Promise<ProtectedVm[]> {
    const op: AzureOperation = { name: 'listProtectedVmsInventory', purpose: 'list the protected VMs with Azure Resource Graph', role: 'Reader', scope: { kind: 'subscription', subscriptionId: subscriptionIds[0] ?? '*' } };
    const vms: ProtectedVm[] = [];
    await this.forEachRow<ProtectedItemRow>(protectedVmsQuery, subscriptionIds, op, options, (row) => {
      const vm = protectedVmOf(row);
      if (vm) vms.push(vm);
    });
    return vms;
  }

  /**
   * What the sweep reads for the whole fleet besides its VMs: every NIC's NSG rules, every restore
   * point collection and every lock, each from Resource Graph (six queries in all, paged), so a VM
   * costs only its own reads (its instance view and its collection's count).
   */
  async listFleetState(subscriptionIds: readonly string[], options: { abortSignal?: AbortSignal } = {}): Promise<FleetState> {
    const [nicRules, restorePointCollections, locks] = await Promise.all([
      this.listNicSecurityRules(subscriptionIds, options),
      this.listRestorePointCollections(subscriptionIds, options),
      this.listLocks(subscriptionIds, options),
    ]);
    return { nicRules, restorePointCollections, locks };
  }

  /** Every restore point collection, as a subscription's list gives it (its source VM, no restore points). */
  async listRestorePointCollections(subscriptionIds: readonly string[], options: { abortSignal?: AbortSignal } = {}): Promise<ListedRestorePointCollection[]> {
    const op: AzureOperation = { name: 'listRestorePointCollectionsInventory', purpose: 'list the restore point collections with Azure Resource Graph', role: 'Reader', scope: { kind: 'subscription', subscriptionId: subscriptionIds[0] ?? '*' } };
    const collections: ListedRestorePointCollection[] = [];
    await this.forEachRow<CollectionRow>(restorePointCollectionsQuery, subscriptionIds, op, options, (row) => {
      const parsed = row.id ? parseResourceId(row.id, 'restorePointCollections') : undefined;
      if (!row.id || !parsed) return;
      collections.push({ id: row.id, ...parsed, ...(row.location ? { location: row.location } : {}), ...(row.sourceId ? { sourceVmId: row.sourceId } : {}) });
    });
    return collections;
  }

  /** Every management lock (subscription, resource group or resource), with the scope it is defined at. */
  async listLocks(subscriptionIds: readonly string[], options: { abortSignal?: AbortSignal } = {}): Promise<ResourceLock[]> {
    const op: AzureOperation = { name: 'listLocksInventory', purpose: 'list the management locks with Azure Resource Graph', role: 'Reader', scope: { kind: 'subscription', subscriptionId: subscriptionIds[0] ?? '*' } };
    const locks: ResourceLock[] = [];
    await this.forEachRow<LockRow>(locksQuery, subscriptionIds, op, options, (row) => {
      if (!row.id || !row.level) return;
      locks.push({ id: row.id, name: row.name ?? row.id.split('/').pop() ?? '', level: row.level, ...(row.notes ? { notes: row.notes } : {}), scope: lockScope(row.id) });
    });
    return locks;
  }

  /**
   * The NSG rules that apply to every network interface, keyed by the NIC's id (lower case): the
   * rules of its own NSG and of its subnets' NSGs, default rules included, in the shape of the
   * effective-rules read. Three queries for the whole fleet (interfaces, subnets, NSGs), so the
   * sweep need not ask each running VM's NICs for their effective rules. A NIC with no NSG on it or
   * its subnets maps to no rules, as its effective rules would.
   */
  async listNicSecurityRules(subscriptionIds: readonly string[], options: { abortSignal?: AbortSignal } = {}): Promise<Map<string, EffectiveSecurityRule[]>> {
    const op: AzureOperation = { name: 'listNetworkSecurityInventory', purpose: 'list the network interfaces, subnets and NSG rules with Azure Resource Graph', role: 'Reader', scope: { kind: 'subscription', subscriptionId: subscriptionIds[0] ?? '*' } };
    // Pages are folded as they come, so a fleet's raw rows are never all held at once; rules are
    // shared between the NSGs that have the same (every NSG has the same default rules).
    const nics: { id: string; nsgId?: string; subnetIds: string[] }[] = [];
    const subnetNsg = new Map<string, string>();
    const rulesOf = new Map<string, EffectiveSecurityRule[]>();
    const interned = new Map<string, EffectiveSecurityRule>();
    await Promise.all([
      this.forEachRow<NicRow>(nicsQuery, subscriptionIds, op, options, (nic) => {
        if (!nic.id) return;
        const subnetIds = (Array.isArray(nic.ipConfigurations) ? nic.ipConfigurations : []).flatMap((config) => {
          const id = (config as { properties?: { subnet?: { id?: unknown } } }).properties?.subnet?.id;
          return typeof id === 'string' ? [id.toLowerCase()] : [];
        });
        nics.push({ id: nic.id.toLowerCase(), ...(nic.nsgId ? { nsgId: nic.nsgId.toLowerCase() } : {}), subnetIds });
      }),
      this.forEachRow<SubnetRow>(subnetsQuery, subscriptionIds, op, options, (subnet) => {
        if (subnet.id && subnet.nsgId) subnetNsg.set(subnet.id.toLowerCase(), subnet.nsgId.toLowerCase());
      }),
      this.forEachRow<NsgRow>(nsgsQuery, subscriptionIds, op, options, (group) => {
        if (group.id) rulesOf.set(group.id.toLowerCase(), nsgRules(group, interned));
      }),
    ]);
    const byNic = new Map<string, EffectiveSecurityRule[]>();
    for (const nic of nics) {
      const nsgIds = new Set<string>();
      if (nic.nsgId) nsgIds.add(nic.nsgId);
      for (const subnetId of nic.subnetIds) {
        const nsgId = subnetNsg.get(subnetId);
        if (nsgId) nsgIds.add(nsgId);
      }
      byNic.set(nic.id, [...nsgIds].flatMap((id) => rulesOf.get(id) ?? []));
    }
    return byNic;
  }

  /** Every row of a query over the subscriptions, a page of 1,000 at a time (skipToken), handed over as it comes. */
  private async forEachRow<T>(query: string, subscriptionIds: readonly string[], op: AzureOperation, options: { abortSignal?: AbortSignal }, each: (row: T) => void): Promise<void> {
    let skipToken: string | undefined;
    do {
      let page;
      try {
        this.queries += 1;
        page = await this.client.resources(
          { query, ...(subscriptionIds.length > 0 ? { subscriptions: [...subscriptionIds] } : {}), options: { resultFormat: 'objectArray', top: pageSize, ...(skipToken ? { skipToken } : {}) } },
          { abortSignal: options.abortSignal },
        );
      } catch (error) {
        throw toCodedError(error, op);
      }
      for (const row of (page.data ?? []) as T[]) each(row);
      skipToken = page.skipToken;
    } while (skipToken);
  }
}

export const restorePointCollectionsQuery = [
  'resources',
  "| where type =~ 'microsoft.compute/restorepointcollections'",
  '| project id, location, sourceId = tostring(properties.source.id)',
  '| order by id asc',
].join('\n');

export const locksQuery = [
  'resources',
  "| where type =~ 'microsoft.authorization/locks'",
  '| project id, name, level = tostring(properties.level), notes = tostring(properties.notes)',
  '| order by id asc',
].join('\n');

/** The sweep's whole-fleet reads (see listFleetState). */
export interface FleetState {
  readonly nicRules: ReadonlyMap<string, readonly EffectiveSecurityRule[]>;
  readonly restorePointCollections: readonly ListedRestorePointCollection[];
  readonly locks: readonly ResourceLock[];
}

interface CollectionRow {
  readonly id?: string;
  readonly location?: string;
  readonly sourceId?: string;
}

interface LockRow {
  readonly id?: string;
  readonly name?: string;
  readonly level?: string;
  readonly notes?: string;
}

export const nicsQuery = [
  'resources',
  "| where type =~ 'microsoft.network/networkinterfaces'",
  '| project id, nsgId = tostring(properties.networkSecurityGroup.id), ipConfigurations = properties.ipConfigurations',
  '| order by id asc',
].join('\n');

export const subnetsQuery = [
  'resources',
  "| where type =~ 'microsoft.network/virtualnetworks'",
  '| mv-expand subnet = properties.subnets',
  '| project id = tostring(subnet.id), nsgId = tostring(subnet.properties.networkSecurityGroup.id)',
  '| where isnotempty(nsgId)',
  '| order by id asc',
].join('\n');

export const nsgsQuery = [
  'resources',
  "| where type =~ 'microsoft.network/networksecuritygroups'",
  '| project id, securityRules = properties.securityRules, defaultSecurityRules = properties.defaultSecurityRules',
  '| order by id asc',
].join('\n');

interface NicRow {
  readonly id?: string;
  readonly nsgId?: string;
  readonly ipConfigurations?: unknown;
}

interface SubnetRow {
  readonly id?: string;
  readonly nsgId?: string;
}

interface NsgRow {
  readonly id?: string;
  readonly securityRules?: unknown;
  readonly defaultSecurityRules?: unknown;
}

interface NsgRuleJson {
  readonly name?: string;
  readonly properties?: {
    readonly direction?: string;
    readonly access?: string;
    readonly priority?: number;
    readonly protocol?: string;
    readonly destinationPortRange?: string;
    readonly destinationPortRanges?: readonly string[];
    readonly destinationAddressPrefix?: string;
    readonly destinationAddressPrefixes?: readonly string[];
  };
}

/**
 * An NSG's rules as the effective-rules read names them ("securityRules/<name>",
 * "defaultSecurityRules/<name>"). Service tags stay unexpanded, which the checks read by name;
 * rules naming application security groups have no address prefix and cover nothing here.
 */
function nsgRules(group: NsgRow, interned: Map<string, EffectiveSecurityRule>): EffectiveSecurityRule[] {
  const read = (list: unknown, kind: string): EffectiveSecurityRule[] =>
    (Array.isArray(list) ? (list as NsgRuleJson[]) : []).flatMap((rule) => {
      const p = rule.properties;
      const direction = p?.direction?.toLowerCase() === 'inbound' ? 'Inbound' : p?.direction?.toLowerCase() === 'outbound' ? 'Outbound' : undefined;
      const access = p?.access?.toLowerCase() === 'allow' ? 'Allow' : p?.access?.toLowerCase() === 'deny' ? 'Deny' : undefined;
      if (!rule.name || !p || !direction || !access || typeof p.priority !== 'number') return [];
      const effective: EffectiveSecurityRule = {
        name: `${kind}/${rule.name}`,
        direction,
        access,
        priority: p.priority,
        ...(p.protocol ? { protocol: p.protocol } : {}),
        destinationPortRanges: [p.destinationPortRange, ...(p.destinationPortRanges ?? [])].filter((x): x is string => !!x),
        destinationAddressPrefixes: [p.destinationAddressPrefix, ...(p.destinationAddressPrefixes ?? [])].filter((x): x is string => !!x),
        expandedDestinationAddressPrefix: [],
      };
      const key = JSON.stringify(effective);
      const known = interned.get(key);
      if (known) return [known];
      interned.set(key, effective);
      return [effective];
    });
  return [...read(group.securityRules, 'securityRules'), ...read(group.defaultSecurityRules, 'defaultSecurityRules')];
}

/** A row as the vault's own list would give it: the vault and names from the item's id, the VM from its source id. */
function protectedVmOf(row: ProtectedItemRow): ProtectedVm | undefined {
  if (!row.id) return undefined;
  const vaultParsed = parseResourceId(row.id.replace(/\/backupFabrics\/.*$/i, ''), 'vaults');
  const containerName = armIdSegment(row.id, 'protectionContainers');
  const protectedItemName = armIdSegment(row.id, 'protectedItems');
  if (!vaultParsed || !containerName || !protectedItemName) return undefined;
  const vault: VaultRef = vaultParsed;
  const fromId = row.sourceResourceId && /\/resourceGroups\/[^/]+\/providers\//i.test(row.sourceResourceId) ? parseResourceId(row.sourceResourceId, 'virtualMachines') : undefined;
  const fromName = parseContainerName(containerName);
  const vm = fromId ?? (fromName ? { subscriptionId: vault.subscriptionId, resourceGroup: fromName.resourceGroup, name: fromName.vmName } : undefined);
  if (!vm) return undefined;
  const lastBackupTime = row.lastBackupTime ? new Date(row.lastBackupTime) : undefined;
  return {
    vault,
    vm,
    friendlyName: row.friendlyName || vm.name,
    containerName,
    protectedItemName,
    ...(row.protectionState ? { protectionState: row.protectionState } : {}),
    ...(row.healthStatus ? { healthStatus: row.healthStatus } : {}),
    ...(row.lastBackupStatus ? { lastBackupStatus: row.lastBackupStatus } : {}),
    ...(lastBackupTime && !Number.isNaN(lastBackupTime.getTime()) ? { lastBackupTime } : {}),
  };
}
