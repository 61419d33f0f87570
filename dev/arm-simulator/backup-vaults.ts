import { createHash } from 'node:crypto';
import type { SimBackupInstance, SimBackupVault, SimDisk, SimRoleAssignment } from './model';
import type { Reply, RequestContext } from './routes';
import type { Scenario } from './scenario';
import { ArmError, rgId, type SimulatorState } from './state';

/**
 * Backup vaults (Microsoft.DataProtection) and role assignments (Microsoft.Authorization): what the
 * checks of a disk or blob backup read. Answers shaped as the REST API specs' examples:
 * dataprotection GetBackupInstance.json / PutBackupInstance.json (2025-07-01) for backup instances,
 * GetBackupVault.json for the vault, and authorization RoleAssignments_ListForScope.json (2022-04-01).
 */

/** Built-in roles by name, as learn.microsoft.com/azure/role-based-access-control/built-in-roles lists their GUIDs. */
const builtInRoleGuids: Readonly<Record<string, string>> = {
  reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  'disk backup reader': '3e5e47e6-65f7-47ef-90b5-e5dd4d455f24',
  'disk snapshot contributor': '7efff54f-a5b4-42b5-a1c5-5411624893ce',
  'disk restore operator': 'b50d9833-a0cb-478e-945f-707fcc997c13',
  'storage account backup contributor': 'e5e2a7ff-d759-4cd2-bb51-3152d37e2eb1',
};

/** A stable GUID from text, so ids in answers do not change between runs. */
function stableGuid(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

type ScenarioBackupVault = Scenario['subscriptions'][number]['resourceGroups'][number]['backupVaults'][number];

export function backupVaultFromScenario(subscriptionId: string, resourceGroup: string, location: string, vault: ScenarioBackupVault): SimBackupVault {
  const id = `${rgId(subscriptionId, resourceGroup)}/providers/Microsoft.DataProtection/backupVaults/${vault.name}`;
  const instances: SimBackupInstance[] = vault.backupInstances.map((instance, n) => {
    const datasourceName = instance.datasource.split('/').pop() ?? instance.datasource;
    const disk = /\/providers\/Microsoft\.Compute\/disks\//i.test(instance.datasource);
    const name = instance.name ?? `${datasourceName}-${datasourceName}-${stableGuid(`${id}/${n}`)}`;
    return {
      id: `${id}/backupInstances/${name}`,
      name,
      datasourceId: instance.datasource,
      datasourceName,
      datasourceType: disk ? 'Microsoft.Compute/disks' : 'Microsoft.Storage/storageAccounts/blobServices',
      ...(instance.snapshotResourceGroup ? { snapshotResourceGroupId: rgId(subscriptionId, instance.snapshotResourceGroup) } : {}),
    };
  });
  return { id, subscriptionId, resourceGroup, name: vault.name, location: vault.location ?? location, ...(vault.principalId ? { principalId: vault.principalId } : {}), instances };
}

type ScenarioDisk = Scenario['subscriptions'][number]['resourceGroups'][number]['disks'][number];

export function diskFromScenario(subscriptionId: string, resourceGroup: string, location: string, disk: ScenarioDisk): SimDisk {
  const set = disk.diskEncryptionSet;
  const diskEncryptionSetId = set === undefined ? undefined : set.startsWith('/') ? set : `${rgId(subscriptionId, resourceGroup)}/providers/Microsoft.Compute/diskEncryptionSets/${set}`;
  return { id: `${rgId(subscriptionId, resourceGroup)}/providers/Microsoft.Compute/disks/${disk.name}`, subscriptionId, resourceGroup, name: disk.name, location, ...(diskEncryptionSetId ? { diskEncryptionSetId } : {}) };
}

/** GET a disk, shaped as the compute spec's Disk_Get.json (2024-03-02), with its encryption. */
export function diskJson(state: SimulatorState, sub: string, rg: string, name: string): Reply {
  const disk = state.disks.find((d) => d.subscriptionId.toLowerCase() === sub.toLowerCase() && d.resourceGroup.toLowerCase() === rg.toLowerCase() && d.name.toLowerCase() === name.toLowerCase());
  if (disk === undefined) throw new ArmError(404, 'ResourceNotFound', `The Resource 'Microsoft.Compute/disks/${name}' under resource group '${rg}' was not found.`);
  const encryption = disk.diskEncryptionSetId ? { type: 'EncryptionAtRestWithCustomerKey', diskEncryptionSetId: disk.diskEncryptionSetId } : { type: 'EncryptionAtRestWithPlatformKey' };
  return {
    status: 200,
    body: {
      sku: { name: 'Premium_LRS' },
      properties: { creationData: { createOption: 'Empty' }, diskSizeGB: 128, encryption, timeCreated: '2026-01-05T08:00:00.000000+00:00', provisioningState: 'Succeeded', diskState: 'Attached' },
      type: 'Microsoft.Compute/disks',
      location: disk.location,
      id: disk.id,
      name: disk.name,
    },
  };
}

export function roleAssignmentFromScenario(assignment: Scenario['roleAssignments'][number]): SimRoleAssignment {
  const roleDefinitionGuid = (builtInRoleGuids[assignment.role.toLowerCase()] ?? assignment.role).toLowerCase();
  const scope = assignment.scope.replace(/\/+$/, '');
  return { id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${stableGuid(`${scope}|${assignment.principalId}|${roleDefinitionGuid}`)}`, scope, principalId: assignment.principalId, roleDefinitionGuid };
}

/** A backup instance as BackupInstances_Get answers (GetBackupInstance.json), with a disk's or blob's values. */
function backupInstanceJson(vault: SimBackupVault, instance: SimBackupInstance): object {
  const resourceType = instance.datasourceType === 'Microsoft.Compute/disks' ? 'Microsoft.Compute/disks' : 'Microsoft.Storage/storageAccounts';
  const info = { datasourceType: instance.datasourceType, objectType: 'Datasource', resourceID: instance.datasourceId, resourceLocation: vault.location, resourceName: instance.datasourceName, resourceType, resourceUri: instance.datasourceId };
  return {
    id: instance.id,
    name: instance.name,
    type: 'Microsoft.DataProtection/backupVaults/backupInstances',
    properties: {
      dataSourceInfo: info,
      dataSourceSetInfo: info,
      friendlyName: instance.datasourceName,
      objectType: 'BackupInstance',
      policyInfo: {
        policyId: `${vault.id}/backupPolicies/${resourceType === 'Microsoft.Compute/disks' ? 'DiskPolicy' : 'BlobPolicy'}`,
        ...(instance.snapshotResourceGroupId
          ? { policyParameters: { dataStoreParametersList: [{ dataStoreType: 'OperationalStore', objectType: 'AzureOperationalStoreParameters', resourceGroupId: instance.snapshotResourceGroupId }] } }
          : {}),
        policyVersion: '3.2',
      },
      protectionStatus: { status: 'ProtectionConfigured' },
      currentProtectionState: 'ProtectionConfigured',
      provisioningState: 'Succeeded',
    },
  };
}

/** The string literals of `<lhs> <op> '<value>'` in a query (the simulator reads the filters the gateway sends, nothing more). */
function literalsAfter(query: string, pattern: RegExp): string[] {
  return [...query.matchAll(pattern)].map((m) => (m[1] ?? '').replace(/\\'/g, "'").replace(/\\\\/g, '\\'));
}

/** Resource Graph: RecoveryServicesResources' backup instances of one vault with a datasource or instance name. */
export function backupInstanceRows(state: SimulatorState, query: string, inScope: (subscriptionId: string) => boolean): { id: string }[] {
  const prefix = literalsAfter(query, /tolower\(id\) startswith '((?:[^'\\]|\\.)*)'/g)[0];
  const name = literalsAfter(query, /== '((?:[^'\\]|\\.)*)'/g)[0];
  return state.backupVaults
    .filter((v) => inScope(v.subscriptionId))
    .flatMap((vault) => vault.instances.map((instance) => ({ vault, instance })))
    .filter(({ instance }) => prefix === undefined || instance.id.toLowerCase().startsWith(prefix))
    .filter(({ instance }) => name === undefined || instance.datasourceName.toLowerCase() === name || instance.name.toLowerCase() === name)
    .map(({ vault, instance }) => backupInstanceJson(vault, instance) as { id: string });
}

/** Resource Graph: the Backup vault with this id, its identity as BackupVaults_Get answers it. */
export function backupVaultRows(state: SimulatorState, query: string, inScope: (subscriptionId: string) => boolean): { id: string }[] {
  const id = literalsAfter(query, /tolower\(id\) == '((?:[^'\\]|\\.)*)'/g)[0];
  return state.backupVaults
    .filter((v) => inScope(v.subscriptionId) && (id === undefined || v.id.toLowerCase() === id))
    .map((v) => ({
      id: v.id,
      identity: v.principalId ? { type: 'SystemAssigned', principalId: v.principalId, tenantId: '72f988bf-0000-0000-0000-000000000000' } : { type: 'None' },
    }));
}

/**
 * GET {scope}/providers/Microsoft.Authorization/roleAssignments?$filter=assignedTo('<id>'): the
 * principal's assignments at, above and below the scope, as ARM lists them (the caller keeps those
 * that apply). A resource group that does not exist answers 404, as ARM does.
 */
export function listRoleAssignments(state: SimulatorState, ctx: RequestContext, scope: string): Reply {
  const sub = ctx.params.sub ?? '';
  state.subscription(sub);
  const rg = ctx.params.rg;
  if (rg !== undefined && !state.resourceGroups.some((g) => g.subscriptionId.toLowerCase() === sub.toLowerCase() && g.name.toLowerCase() === rg.toLowerCase())) {
    throw new ArmError(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`);
  }
  const filter = ctx.query.get('$filter') ?? '';
  const principal = /assignedTo\('([^']+)'\)/i.exec(filter)?.[1] ?? /principalId eq '?([0-9a-fA-F-]{36})'?/i.exec(filter)?.[1];
  const at = scope.toLowerCase();
  // The simulator keeps no management group tree: a management group's assignment is above every scope.
  const related = (other: string): boolean => {
    const s = other.toLowerCase();
    return s.startsWith('/providers/microsoft.management/managementgroups/') || at === s || at.startsWith(`${s}/`) || s.startsWith(`${at}/`);
  };
  const value = state.roleAssignments
    .filter((a) => related(a.scope) && (principal === undefined || a.principalId.toLowerCase() === principal.toLowerCase()))
    .map((a) => ({
      properties: {
        roleDefinitionId: `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${a.roleDefinitionGuid}`,
        principalId: a.principalId,
        principalType: 'ServicePrincipal',
        scope: a.scope,
      },
      id: a.id,
      type: 'Microsoft.Authorization/roleAssignments',
      name: a.id.split('/').pop(),
    }));
  return { status: 200, body: { value } };
}
