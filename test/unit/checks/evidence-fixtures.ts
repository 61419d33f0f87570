import type { EffectiveSecurityRule, InstanceStatus, VmRef, VmStatus } from '../../../src/core/azure-port';

/** Evidence shaped like the SDK's instance view and effective-rules answers (sdk-calls.md). */
export const subscriptionId = '00000000-0000-0000-0000-000000000001';

export function vmRef(name = 'vm-web01', resourceGroup = 'rg-prod'): VmRef {
  return { subscriptionId, resourceGroup, name };
}

export const agentReady: InstanceStatus = {
  code: 'ProvisioningState/succeeded',
  level: 'Info',
  displayStatus: 'Ready',
  message: 'GuestAgent is running and processing the extensions.',
  time: new Date('2024-05-01T08:00:00Z'),
};

export const agentNotReady: InstanceStatus = {
  code: 'ProvisioningState/Unavailable',
  level: 'Warning',
  displayStatus: 'Not Ready',
  message: 'VM status blob is found but not yet populated.',
};

export function windowsVm(overrides: Partial<VmStatus> = {}): VmStatus {
  const vm = overrides.vm ?? vmRef();
  return {
    vm,
    id: `/subscriptions/${vm.subscriptionId}/resourceGroups/${vm.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${vm.name}`,
    osType: 'Windows',
    location: 'westeurope',
    powerState: 'PowerState/running',
    provisioningState: 'ProvisioningState/succeeded',
    agentVersion: '2.7.41491.1083',
    agentStatuses: [agentReady],
    extensionHandlers: [
      { type: 'Microsoft.Azure.RecoveryServices.VMSnapshot', typeHandlerVersion: '1.0.84.0', status: { code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Ready' } },
    ],
    extensions: [
      {
        name: 'VMSnapshot',
        type: 'Microsoft.Azure.RecoveryServices.VMSnapshot',
        typeHandlerVersion: '1.0.84.0',
        statuses: [{ code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded' }],
      },
    ],
    networkInterfaceIds: [`/subscriptions/${vm.subscriptionId}/resourceGroups/${vm.resourceGroup}/providers/Microsoft.Network/networkInterfaces/${vm.name}-nic`],
    ...overrides,
  };
}

export function linuxVm(overrides: Partial<VmStatus> = {}): VmStatus {
  return windowsVm({
    vm: vmRef('vm-app02'),
    osType: 'Linux',
    agentVersion: '2.9.1.1',
    extensionHandlers: [
      { type: 'Microsoft.Azure.RecoveryServices.VMSnapshotLinux', typeHandlerVersion: '1.0.9225.0', status: { code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Ready' } },
    ],
    extensions: [
      {
        name: 'VMSnapshotLinux',
        type: 'Microsoft.Azure.RecoveryServices.VMSnapshotLinux',
        statuses: [{ code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded' }],
      },
    ],
    ...overrides,
  });
}

export function rule(partial: Partial<EffectiveSecurityRule> & Pick<EffectiveSecurityRule, 'name' | 'priority' | 'access'>): EffectiveSecurityRule {
  return {
    direction: 'Outbound',
    protocol: 'All',
    destinationPortRanges: ['0-65535'],
    destinationAddressPrefixes: ['0.0.0.0/0'],
    expandedDestinationAddressPrefix: [],
    ...partial,
  };
}

/** The three default outbound rules every NSG carries, as effective rules list them. */
export const defaultOutboundRules: EffectiveSecurityRule[] = [
  rule({ name: 'defaultSecurityRules/AllowVnetOutBound', priority: 65000, access: 'Allow', destinationAddressPrefixes: ['VirtualNetwork'], expandedDestinationAddressPrefix: ['10.0.0.0/16', '168.63.129.16/32'] }),
  rule({ name: 'defaultSecurityRules/AllowInternetOutBound', priority: 65001, access: 'Allow', destinationAddressPrefixes: ['Internet'] }),
  rule({ name: 'defaultSecurityRules/DenyAllOutBound', priority: 65500, access: 'Deny', destinationAddressPrefixes: ['0.0.0.0/0'] }),
  rule({ name: 'defaultSecurityRules/AllowVnetInBound', priority: 65000, access: 'Allow', direction: 'Inbound', destinationAddressPrefixes: ['VirtualNetwork'] }),
];
