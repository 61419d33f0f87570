import { isBackupExtension } from './backup-outcome';
import type { SimJob, SimLock, SimProtectedItem, SimRestorePointCollection, SimVault, SimVm, SimWorkloadContainer } from './model';
import type { ScenarioSecurityRule } from './scenario';

/** Wire shapes, as ARM sends them (nested `properties`, ISO date strings, the service's quirks). */

const DISPLAY_POWER: Record<string, string> = {
  running: 'VM running',
  stopped: 'VM stopped',
  deallocated: 'VM deallocated',
  starting: 'VM starting',
  stopping: 'VM stopping',
  deallocating: 'VM deallocating',
};

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function extensionStatus(status: SimVm['extensions'][number]['status'], message?: string): object {
  switch (status) {
    case 'succeeded':
      return { code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', message: message ?? 'Enable succeeded' };
    case 'transitioning':
      return { code: 'ProvisioningState/transitioning', level: 'Info', displayStatus: 'Transitioning', message: message ?? 'Enable in progress' };
    case 'failed':
      return { code: 'ProvisioningState/failed/-2147024891', level: 'Error', displayStatus: 'Provisioning failed', message: message ?? 'Enable failed' };
  }
}

function handlerStatus(status: SimVm['extensions'][number]['status'], message?: string): object {
  if (status === 'succeeded') return { code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Ready', message: 'Plugin enabled' };
  if (status === 'transitioning') return { code: 'ProvisioningState/transitioning', level: 'Info', displayStatus: 'Transitioning', message: message ?? 'Plugin enable in progress' };
  return { code: 'ProvisioningState/failed/-2147024891', level: 'Error', displayStatus: 'Not Ready', message: message ?? 'Plugin failed to enable' };
}

export function instanceViewJson(vm: SimVm, now: Date): object {
  const agentStatus =
    vm.agent.status === 'Ready'
      ? { code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Ready', message: vm.agent.message ?? 'GuestAgent is running and processing the extensions.', time: now.toISOString() }
      : { code: 'ProvisioningState/Unavailable', level: 'Warning', displayStatus: 'Not Ready', message: vm.agent.message ?? (vm.agent.status === 'Unknown' ? 'VM Agent is unresponsive.' : 'VM status blob is found but not yet populated.'), time: now.toISOString() };
  const reporting = vm.agent.status !== 'Unknown';
  return {
    computerName: vm.name,
    osName: vm.osName ?? (vm.osType === 'Windows' ? 'Windows Server 2022 Datacenter' : 'ubuntu'),
    osVersion: vm.osType === 'Windows' ? '10.0.20348' : '22.04',
    vmAgent: {
      vmAgentVersion: reporting ? vm.agent.version : 'Unknown',
      statuses: [agentStatus],
      extensionHandlers: reporting ? vm.extensions.map((e) => ({ type: e.type, typeHandlerVersion: e.typeHandlerVersion, status: handlerStatus(e.status, e.message) })) : [],
    },
    extensions: vm.extensions.map((e) => ({ name: e.name, type: e.type, typeHandlerVersion: e.typeHandlerVersion, statuses: [extensionStatus(e.status, e.message)] })),
    statuses: [
      { code: `ProvisioningState/${vm.provisioningState}`, level: vm.provisioningState === 'failed' ? 'Error' : 'Info', displayStatus: `Provisioning ${vm.provisioningState}`, time: now.toISOString() },
      { code: `PowerState/${vm.powerState}`, level: 'Info', displayStatus: DISPLAY_POWER[vm.powerState] ?? vm.powerState },
    ],
  };
}

/** Display names of the regions scenarios use; others are spelled as given. */
const regionDisplayNames: Readonly<Record<string, string>> = {
  westeurope: 'West Europe',
  northeurope: 'North Europe',
  westus: 'West US',
  eastus: 'East US',
  eastus2: 'East US 2',
  uksouth: 'UK South',
  polandcentral: 'Poland Central',
  swedencentral: 'Sweden Central',
};

export function displayLocation(location: string): string {
  return regionDisplayNames[location.toLowerCase()] ?? location;
}

export function vmJson(vm: SimVm, now: Date, expandInstanceView: boolean, locationStyle: 'name' | 'display-name' = 'name'): object {
  return {
    id: vm.id,
    name: vm.name,
    type: 'Microsoft.Compute/virtualMachines',
    location: locationStyle === 'display-name' ? displayLocation(vm.location) : vm.location,
    properties: {
      vmId: vm.vmId,
      hardwareProfile: { vmSize: vm.vmSize },
      storageProfile: { osDisk: { osType: vm.osType, name: `${vm.name}_OsDisk_1`, createOption: 'FromImage', caching: 'ReadWrite' } },
      networkProfile: { networkInterfaces: vm.nics.map((n, i) => ({ id: n.id, properties: { primary: i === 0 } })) },
      provisioningState: capitalise(vm.provisioningState),
      ...(expandInstanceView ? { instanceView: instanceViewJson(vm, now) } : {}),
    },
  };
}

export function extensionJson(vm: SimVm, ext: SimVm['extensions'][number]): object {
  const lastDot = ext.type.lastIndexOf('.');
  const publisher = lastDot > 0 ? ext.type.slice(0, lastDot) : ext.type;
  const type = lastDot > 0 ? ext.type.slice(lastDot + 1) : ext.type;
  return {
    id: `${vm.id}/extensions/${ext.name}`,
    name: ext.name,
    type: 'Microsoft.Compute/virtualMachines/extensions',
    location: vm.location,
    properties: {
      publisher,
      type,
      typeHandlerVersion: ext.typeHandlerVersion,
      autoUpgradeMinorVersion: true,
      provisioningState: ext.status === 'succeeded' ? 'Succeeded' : ext.status === 'failed' ? 'Failed' : 'Updating',
      ...(isBackupExtension(ext.type, ext.name) ? { settings: { locale: 'en-us' } } : {}),
    },
  };
}

export function effectiveNsgJson(vm: SimVm, nic: SimVm['nics'][number], rules: readonly ScenarioSecurityRule[]): object {
  const nsgName = nic.networkSecurityGroup ?? `${vm.name}-nsg`;
  return {
    value: [
      {
        networkSecurityGroup: { id: `/subscriptions/${vm.subscriptionId}/resourceGroups/${nic.resourceGroup}/providers/Microsoft.Network/networkSecurityGroups/${nsgName}` },
        association: { networkInterface: { id: nic.id } },
        effectiveSecurityRules: rules.map((r) => ({
          name: r.name,
          protocol: r.protocol,
          sourcePortRange: r.sourcePortRange,
          destinationPortRange: r.destinationPortRange,
          sourcePortRanges: [],
          destinationPortRanges: [],
          sourceAddressPrefix: r.sourceAddressPrefix,
          destinationAddressPrefix: r.destinationAddressPrefix,
          sourceAddressPrefixes: [],
          destinationAddressPrefixes: [],
          expandedSourceAddressPrefix: [],
          expandedDestinationAddressPrefix: r.expandedDestinationAddressPrefix,
          access: r.access,
          priority: r.priority,
          direction: r.direction,
        })),
      },
    ],
  };
}

export function vaultJson(vault: SimVault): object {
  return {
    id: vault.id,
    name: vault.name,
    type: 'Microsoft.RecoveryServices/vaults',
    location: vault.location,
    sku: { name: 'RS0', tier: 'Standard' },
    properties: { provisioningState: 'Succeeded' },
  };
}

export function workloadContainerJson(vault: SimVault, container: SimWorkloadContainer): object {
  return {
    id: `${vault.id}/backupFabrics/Azure/protectionContainers/${container.name}`,
    name: container.name,
    type: 'Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers',
    properties: {
      containerType: 'VMAppContainer',
      friendlyName: container.vmName,
      backupManagementType: 'AzureWorkload',
      registrationStatus: container.registrationStatus,
      healthStatus: container.healthStatus,
      sourceResourceId: container.vmId,
      workloadType: container.workloadType,
      protectableObjectType: 'VMAppContainer',
    },
  };
}

/**
 * A database the vault protects in a VM's VMAppContainer, in the shape of the sample response of
 * Microsoft's "Back up SQL Server databases in Azure VMs using REST API" article: its
 * sourceResourceId names the container ("/providers/VMAppContainer/<vm>"), not the VM, so only
 * containerName says which VM it is on.
 */
export function workloadItemJson(vault: SimVault, container: SimWorkloadContainer, database: string): object {
  const sql = container.workloadType === 'SQLDataBase';
  const [, , resourceGroup] = container.name.split(';');
  const subscription = vault.subscriptionId;
  const name = `${container.workloadType};${sql ? 'mssqlserver' : 'h22'};${database.toLowerCase()}`;
  return {
    id: `${vault.id}/backupFabrics/Azure/protectionContainers/${container.name}/protectedItems/${name}`,
    name,
    type: 'Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems',
    properties: {
      friendlyName: database,
      serverName: container.vmName,
      parentName: sql ? 'MSSQLSERVER' : 'H22',
      parentType: sql ? 'AzureVmWorkloadSQLInstance' : 'AzureVmWorkloadSAPHanaSystem',
      protectionStatus: 'Healthy',
      protectionState: 'Protected',
      lastBackupStatus: 'Healthy',
      protectedItemDataSourceId: '17592741727863',
      protectedItemHealthStatus: 'Healthy',
      extendedInfo: { recoveryPointCount: 0, policyState: 'Consistent' },
      protectedItemType: sql ? 'AzureVmWorkloadSQLDatabase' : 'AzureVmWorkloadSAPHanaDatabase',
      backupManagementType: 'AzureWorkload',
      workloadType: container.workloadType,
      containerName: container.name,
      sourceResourceId: `/subscriptions/${subscription}/resourceGroups/${resourceGroup ?? ''}/providers/VMAppContainer/${container.vmName}`,
      policyId: `${vault.id}/backupPolicies/HourlyLogBackup`,
    },
  };
}

/** "with-fabric": ".../backupFabrics/Azure/protectionContainers/..."; "without-fabric": ".../protectionContainers/...", as the REST examples' list answer spells it. */
export function protectedItemJson(vault: SimVault, item: SimProtectedItem, recoveryPointCount: number, idShape: 'with-fabric' | 'without-fabric' = 'with-fabric'): object {
  return {
    id: `${vault.id}${idShape === 'with-fabric' ? '/backupFabrics/Azure' : ''}/protectionContainers/${item.containerName}/protectedItems/${item.name}`,
    name: item.name,
    type: 'Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems',
    properties: {
      protectedItemType: 'Microsoft.Compute/virtualMachines',
      friendlyName: item.vmName,
      virtualMachineId: item.vmId,
      protectionStatus: item.healthStatus === 'Passed' ? 'Healthy' : 'Unhealthy',
      protectionState: item.protectionState,
      healthStatus: item.healthStatus,
      lastBackupStatus: item.lastBackupStatus ?? '',
      lastBackupTime: (item.lastBackupTime ?? new Date('2001-01-01T00:00:00Z')).toISOString(),
      protectedItemDataId: '17592691116891',
      extendedInfo: { recoveryPointCount, policyInconsistent: false },
      backupManagementType: 'AzureIaasVM',
      workloadType: 'VM',
      // The item's containerName lacks the IaasVMContainer; prefix: the full name is only in the id.
      containerName: item.containerName.replace(/^IaasVMContainer;/i, ''),
      sourceResourceId: item.vmId,
      policyId: `${vault.id}/backupPolicies/${item.policyName}`,
      policyName: item.policyName,
    },
  };
}

/**
 * "full": the job as a live IaaS VM job carries it. "spec-example": as Azure's REST API examples
 * show it (GetJobDetails.json, ListJobs*.json), without containerName or extendedInfo, so only
 * entityFriendlyName names the VM.
 */
export function jobJson(vault: SimVault, job: SimJob, shape: 'full' | 'spec-example' = 'full'): object {
  const extendedInfo = {
    tasksList: [
      { taskId: 'Take Snapshot', status: job.status === 'Failed' ? 'Failed' : job.status === 'InProgress' ? 'InProgress' : 'Completed', duration: 'PT0S' },
      { taskId: 'Transfer data to vault', status: job.status === 'Failed' ? 'Cancelled' : job.status === 'InProgress' ? 'NotStarted' : 'Completed', duration: 'PT0S' },
    ],
    propertyBag: { 'VM Name': job.vmName, 'Backup Size': job.status === 'Completed' ? '2332 MB' : '0 MB' },
    ...(job.dynamicErrorMessage ? { dynamicErrorMessage: job.dynamicErrorMessage } : {}),
    ...(job.status === 'InProgress' ? { progressPercentage: 0 } : {}),
  };
  const full = shape === 'full';
  return {
    // The service spells this segment "Subscriptions": parsers must not care.
    id: `${vault.id.replace(/^\/subscriptions\//, '/Subscriptions/')}/backupJobs/${job.id}`,
    name: job.id,
    type: 'Microsoft.RecoveryServices/vaults/backupJobs',
    properties: {
      jobType: job.jobType,
      duration: job.duration ?? 'PT0S',
      actionsInfo: job.actionsInfo,
      ...(job.error ? { errorDetails: [{ errorCode: job.error.errorCode, errorTitle: job.error.errorTitle, errorString: job.error.errorString, recommendations: job.error.recommendations }] } : {}),
      virtualMachineVersion: 'Compute',
      ...(full ? { extendedInfo, containerName: `iaasvmcontainerv2;${job.vmResourceGroup};${job.vmName}` } : {}),
      ...(job.jobType === 'AzureIaaSVMJob' ? { isUserTriggered: job.isUserTriggered } : {}),
      entityFriendlyName: job.vmName,
      backupManagementType: 'AzureIaasVM',
      operation: job.operation,
      status: job.status,
      startTime: job.startTime.toISOString(),
      ...(job.endTime ? { endTime: job.endTime.toISOString() } : {}),
      activityId: `${job.id.slice(0, 8)}-0000-0000-0000-000000000000`,
    },
  };
}

export function lockJson(lock: SimLock): object {
  return {
    id: lock.id,
    name: lock.name,
    type: 'Microsoft.Authorization/locks',
    properties: { level: lock.level, ...(lock.notes !== undefined ? { notes: lock.notes } : {}), owners: [] },
  };
}

function restorePointName(index: number, newest: Date): string {
  const d = new Date(newest.getTime() - index * 86_400_000);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `AzureBackup_${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}_${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

export function restorePointCollectionJson(rpc: SimRestorePointCollection, now: Date, expandRestorePoints: boolean): object {
  const restorePoints = expandRestorePoints
    ? Array.from({ length: rpc.restorePointCount }, (_, i) => {
        const name = restorePointName(i, now);
        return { id: `${rpc.id}/restorePoints/${name}`, name, type: 'Microsoft.Compute/restorePointCollections/restorePoints', properties: { provisioningState: 'Succeeded', consistencyMode: 'ApplicationConsistent' } };
      })
    : undefined;
  return {
    id: rpc.id,
    name: rpc.name,
    type: 'Microsoft.Compute/restorePointCollections',
    location: rpc.location,
    tags: { AzureBackupSnapshotRpcTag: 'true' },
    properties: {
      ...(rpc.sourceVmId !== undefined ? { source: { id: rpc.sourceVmId, location: rpc.location } } : {}),
      provisioningState: 'Succeeded',
      restorePointCollectionId: rpc.restorePointCollectionId,
      ...(restorePoints ? { restorePoints } : {}),
    },
  };
}
