import { ResourceGraphClient } from '@azure/arm-resourcegraph';
import type { TokenCredential } from '@azure/core-auth';
import type { ProtectedVm, VaultRef } from '../core/azure-port';
import { armIdSegment, parseContainerName, parseResourceId } from '../core/arm-id';
import { toCodedError, type AzureOperation } from './azure-errors';
import { ARM_ENDPOINT } from './sdk-azure-gateway';

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
      endpoint: (options.endpoint ?? ARM_ENDPOINT).replace(/\/+$/, ''),
      credentials: { scopes: ['https://management.azure.com/.default'] },
      ...(options.ca ? { tlsOptions: { ca: options.ca } } : {}),
      ...(options.retry ? { retryOptions: options.retry } : {}),
    });
  }

  /** Every protected Azure VM in the subscriptions (all the identity can read when none are given), following skipToken. */
  async listProtectedVms(subscriptionIds: readonly string[], options: { abortSignal?: AbortSignal } = {}): Promise<ProtectedVm[]> {
    const op: AzureOperation = { name: 'listProtectedVmsInventory', purpose: 'list the protected VMs with Azure Resource Graph', role: 'Reader', scope: { kind: 'subscription', subscriptionId: subscriptionIds[0] ?? '*' } };
    const vms: ProtectedVm[] = [];
    let skipToken: string | undefined;
    do {
      let page;
      try {
        this.queries += 1;
        page = await this.client.resources(
          { query: protectedVmsQuery, ...(subscriptionIds.length > 0 ? { subscriptions: [...subscriptionIds] } : {}), options: { resultFormat: 'objectArray', top: pageSize, ...(skipToken ? { skipToken } : {}) } },
          { abortSignal: options.abortSignal },
        );
      } catch (error) {
        throw toCodedError(error, op);
      }
      for (const row of (page.data ?? []) as ProtectedItemRow[]) {
        const vm = protectedVmOf(row);
        if (vm) vms.push(vm);
      }
      skipToken = page.skipToken;
    } while (skipToken);
    return vms;
  }
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
