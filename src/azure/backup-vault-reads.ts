import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { ResourceGraphClient } from '@azure/arm-resourcegraph';
import type { TokenCredential } from '@azure/core-auth';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { BackupInstance, BackupVaultIdentity, CallOptions, RoleAssignment, VaultRef } from '../core/azure-port';
import { CodedError } from '../core/errors';
import { toCodedError, type AzureOperation } from './azure-errors';
import { trimTrailing } from '../core/trim-trailing';

/**
 * What the checks of a Backup vault datasource read: the vault's backup instances and managed
 * identity, and the role assignments of that identity.
 *
 * Backup instances and the vault are read from Azure Resource Graph, not ARM: no installed SDK client
 * covers Microsoft.DataProtection (`@azure/arm-dataprotection` is not available here), a generic GET
 * cannot list a vault's backup instances to find the one of a datasource, and Resource Graph finds it in
 * one query by its datasource (as `az dataprotection backup-instance list-from-resourcegraph` does).
 * Resource Graph trails ARM by a few minutes; the instance's datasource and snapshot resource group and
 * the vault's identity rarely change, while the role assignments, which an operator changes to fix the
 * failure, are read live from ARM (Microsoft.Authorization).
 */
export interface BackupVaultReadsOptions {
  readonly credential: TokenCredential;
  /** The gateway's own client options (endpoint, trusted CA, retries, the rate-limit observer), so these reads behave as its others. */
  readonly clientOptions: {
    readonly endpoint: string;
    readonly tlsOptions?: { ca: string | Buffer };
    readonly retryOptions?: { readonly maxRetries: number; readonly retryDelayInMs?: number; readonly maxRetryDelayInMs?: number };
    readonly additionalPolicies?: { policy: PipelinePolicy; position: 'perRetry' }[];
  };
}

const ARM_SCOPE = 'https://management.azure.com/.default';

/** A KQL string literal: single-quoted with backslash escapes (names are validated before they get here, too). */
export function kqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function backupVaultId(vault: VaultRef): string {
  return `/subscriptions/${vault.subscriptionId}/resourceGroups/${vault.resourceGroup}/providers/Microsoft.DataProtection/backupVaults/${vault.name}`;
}

export function backupInstancesQuery(vault: VaultRef, datasourceName: string): string {
  const name = kqlString(datasourceName.toLowerCase());
  return [
    'recoveryservicesresources',
    "| where type =~ 'microsoft.dataprotection/backupvaults/backupinstances'",
    `| where tolower(id) startswith ${kqlString(`${backupVaultId(vault).toLowerCase()}/backupinstances/`)}`,
    `| where tolower(tostring(properties.dataSourceInfo.resourceName)) == ${name} or tolower(name) == ${name}`,
    '| project id, name, properties',
    '| order by id asc',
  ].join('\n');
}

export function backupVaultIdentityQuery(vault: VaultRef): string {
  return ['resources', "| where type =~ 'microsoft.dataprotection/backupvaults'", `| where tolower(id) == ${kqlString(backupVaultId(vault).toLowerCase())}`, '| project id, identity'].join('\n');
}

interface BackupInstanceRow {
  readonly id?: string;
  readonly name?: string;
  readonly properties?: {
    readonly dataSourceInfo?: { readonly resourceID?: string; readonly datasourceType?: string };
    readonly policyInfo?: { readonly policyParameters?: { readonly dataStoreParametersList?: ReadonlyArray<{ readonly dataStoreType?: string; readonly objectType?: string; readonly resourceGroupId?: string }> } };
    readonly identityDetails?: { readonly useSystemAssignedIdentity?: boolean; readonly userAssignedIdentityArmUrl?: string };
  };
}

interface VaultIdentityRow {
  readonly id?: string;
  readonly identity?: { readonly type?: string; readonly principalId?: string; readonly userAssignedIdentities?: Readonly<Record<string, { readonly principalId?: string } | null>> } | null;
}

function toBackupInstance(vault: VaultRef, row: BackupInstanceRow): BackupInstance | undefined {
  const datasourceId = row.properties?.dataSourceInfo?.resourceID;
  if (!row.id || !row.name || !datasourceId) return undefined;
  const stores = row.properties?.policyInfo?.policyParameters?.dataStoreParametersList ?? [];
  const snapshotResourceGroupIds = stores.filter((s) => /operationalstore/i.test(`${s.dataStoreType ?? ''} ${s.objectType ?? ''}`) && s.resourceGroupId).map((s) => s.resourceGroupId as string);
  const details = row.properties?.identityDetails;
  const userAssigned = details?.useSystemAssignedIdentity === false ? details.userAssignedIdentityArmUrl : undefined;
  const datasourceType = row.properties?.dataSourceInfo?.datasourceType;
  return {
    id: row.id,
    name: row.name,
    vault,
    datasourceId,
    ...(datasourceType ? { datasourceType } : {}),
    snapshotResourceGroupIds,
    ...(userAssigned ? { userAssignedIdentityId: userAssigned } : {}),
  };
}

function toIdentity(row: VaultIdentityRow): BackupVaultIdentity {
  const identity = row.identity ?? {};
  const userAssigned = Object.fromEntries(
    Object.entries(identity.userAssignedIdentities ?? {}).map(([id, value]) => [id.toLowerCase(), value?.principalId ? { principalId: value.principalId } : {}]),
  );
  return { ...(identity.type ? { type: identity.type } : {}), ...(identity.principalId ? { principalId: identity.principalId } : {}), userAssigned };
}

/** The role definition's GUID from its id (`/subscriptions/<s>/providers/Microsoft.Authorization/roleDefinitions/<guid>` or without the subscription). */
function roleGuid(roleDefinitionId: string): string {
  return (roleDefinitionId.split('/').filter((s) => s.length > 0).pop() ?? roleDefinitionId).toLowerCase();
}

/**
 * An assignment at `assigned` applies at `scope` when it is that scope or one above it: the root "/",
 * a management group (always above a subscription), or an id the scope starts with.
 */
function appliesAt(assigned: string, scope: string): boolean {
  const a = trimTrailing(assigned, '/').toLowerCase();
  const s = trimTrailing(scope, '/').toLowerCase();
  return a === '' || a.startsWith('/providers/microsoft.management/managementgroups/') || a === s || s.startsWith(`${a}/`);
}

function subscriptionOf(scope: string): string {
  return /^\/?subscriptions\/([^/]+)/i.exec(scope)?.[1] ?? '00000000-0000-0000-0000-000000000000';
}

export class BackupVaultReads {
  private graph?: ResourceGraphClient;
  private readonly authorization = new Map<string, AuthorizationManagementClient>();

  constructor(private readonly options: BackupVaultReadsOptions) {}

  private resourceGraph(): ResourceGraphClient {
    this.graph ??= new ResourceGraphClient(this.options.credential, { ...this.options.clientOptions, credentials: { scopes: [ARM_SCOPE] } });
    return this.graph;
  }

  /** The list call needs no subscription, but the client wants one: the scope's own. */
  private authorizationClient(subscriptionId: string): AuthorizationManagementClient {
    const key = subscriptionId.toLowerCase();
    let client = this.authorization.get(key);
    if (client === undefined) {
      client = new AuthorizationManagementClient(this.options.credential, subscriptionId, { ...this.options.clientOptions, credentialScopes: [ARM_SCOPE] });
      this.authorization.set(key, client);
    }
    return client;
  }

  private async rows<T>(query: string, subscriptionId: string, op: AzureOperation, options: CallOptions): Promise<T[]> {
    try {
      // One page is plenty: at most a few instances share a datasource name, and a vault has one row.
      const page = await this.resourceGraph().resources({ query, subscriptions: [subscriptionId], options: { resultFormat: 'objectArray', top: 100 } }, { abortSignal: options.abortSignal });
      return (page.data ?? []) as T[];
    } catch (error) {
      throw toCodedError(error, op);
    }
  }

  async listBackupInstances(vault: VaultRef, datasourceName: string, options: CallOptions = {}): Promise<BackupInstance[]> {
    const op: AzureOperation = {
      name: 'listBackupInstances',
      purpose: `find the backup instance of ${datasourceName} in Backup vault ${vault.name} with Azure Resource Graph`,
      role: 'Reader',
      scope: { kind: 'resource', id: backupVaultId(vault) },
    };
    const rows = await this.rows<BackupInstanceRow>(backupInstancesQuery(vault, datasourceName), vault.subscriptionId, op, options);
    return rows.map((row) => toBackupInstance(vault, row)).filter((i): i is BackupInstance => i !== undefined);
  }

  async getBackupVaultIdentity(vault: VaultRef, options: CallOptions = {}): Promise<BackupVaultIdentity | undefined> {
    const op: AzureOperation = { name: 'getBackupVaultIdentity', purpose: `read the managed identity of Backup vault ${vault.name} with Azure Resource Graph`, role: 'Reader', scope: { kind: 'resource', id: backupVaultId(vault) } };
    const [row] = await this.rows<VaultIdentityRow>(backupVaultIdentityQuery(vault), vault.subscriptionId, op, options);
    return row === undefined ? undefined : toIdentity(row);
  }

  async listRoleAssignments(scope: string, principalId: string, options: CallOptions = {}): Promise<RoleAssignment[]> {
    const op: AzureOperation = { name: 'listRoleAssignments', purpose: `read the role assignments on ${scope}`, role: 'Reader', scope: { kind: 'resource', id: scope } };
    // The id goes into an OData filter: only an object id (a GUID) does.
    if (!/^[0-9a-fA-F-]{36}$/.test(principalId)) throw new CodedError('azure_failed', `The identity ${principalId} is not an Entra object id, so its role assignments cannot be read.`, { principalId });
    try {
      const found: RoleAssignment[] = [];
      // assignedTo() returns the principal's assignments that apply at the scope, those inherited from above included.
      const pages = this.authorizationClient(subscriptionOf(scope)).roleAssignments.listForScope(scope.replace(/^\/+/, ''), { filter: `assignedTo('${principalId}')`, abortSignal: options.abortSignal });
      for await (const assignment of pages) {
        if (!assignment.id || !assignment.roleDefinitionId || !assignment.principalId) continue;
        // The filter also lists assignments below the scope (on a disk inside the resource group): those do not apply here.
        if (assignment.scope !== undefined && !appliesAt(assignment.scope, scope)) continue;
        found.push({ id: assignment.id, roleDefinitionGuid: roleGuid(assignment.roleDefinitionId), scope: assignment.scope ?? scope, principalId: assignment.principalId });
      }
      return found;
    } catch (error) {
      throw toCodedError(error, op);
    }
  }
}
