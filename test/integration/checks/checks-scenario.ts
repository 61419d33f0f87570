import type { ScenarioInput } from '../../../dev/arm-simulator/scenario';

/**
 * A scenario written for the checks, in the simulator's documented format: one failing VM
 * per cause the checks can see, plus a healthy one. Each VM's fault names the code its
 * backup fails with; `expectedCause` (below) is the cause the checks must point to.
 */
export const subscriptionId = '6b1f3c2a-0d4e-4f6a-9b1c-2a3d4e5f6a7b';
const snapshot = { name: 'VMSnapshot', type: 'Microsoft.Azure.RecoveryServices.VMSnapshot', typeHandlerVersion: '1.0.84.0' };
const snapshotLinux = { name: 'VMSnapshotLinux', type: 'Microsoft.Azure.RecoveryServices.VMSnapshotLinux', typeHandlerVersion: '1.0.9225.0' };
type VmInput = NonNullable<NonNullable<ScenarioInput['subscriptions'][number]['resourceGroups']>[number]['virtualMachines']>[number];
type NicInput = NonNullable<VmInput['nics']>[number];
const nic = (vm: string, rules: NicInput['effectiveRules'] = []): NicInput => ({ name: `${vm}-nic`, effectiveRules: rules });

export interface SeededFailure {
  readonly vm: string;
  readonly code: string;
  readonly expectedCause: string;
  /** A fragment of the failing check's evidence the operator must see. */
  readonly evidence: string;
}

export const seededFailures: readonly SeededFailure[] = [
  { vm: 'vm-noinet01', code: 'ExtensionSnapshotFailedNoNetwork', expectedCause: 'no-internet-access', evidence: 'DenyInternetOutbound (priority 200) denies outbound TCP 443 to Internet' },
  { vm: 'vm-agent01', code: 'UserErrorGuestAgentStatusUnavailable', expectedCause: 'windows-agent-unresponsive', evidence: 'is not ready: Not Ready' },
  { vm: 'vm-oldagent01', code: 'GuestAgentSnapshotTaskStatusError', expectedCause: 'linux-agent-out-of-date', evidence: 'The Linux agent is 2.2.45, older than the minimum supported 2.2.53.1.' },
  { vm: 'vm-stopped01', code: 'GuestAgentSnapshotTaskStatusError', expectedCause: 'snapshot-status-unavailable', evidence: 'shut down from inside the guest' },
  { vm: 'vm-ext01', code: 'ExtensionOperationFailedForManagedDisks', expectedCause: 'backup-extension-fails-to-load', evidence: 'The backup extension is in error' },
  { vm: 'vm-locked01', code: 'UserErrorRpCollectionLimitReached', expectedCause: 'restore-point-rg-lock', evidence: 'CanNotDelete lock "backup-rg-lock" on resource group AzureBackupRG_westeurope_1' },
  { vm: 'vm-locked01', code: 'BackUpOperationFailed', expectedCause: 'restore-point-rg-lock', evidence: '18 of 18 restore points' },
  { vm: 'vm-conf01', code: 'GuestAgentSnapshotTaskStatusError', expectedCause: 'linux-agent-config-not-set', evidence: 'Extensions.Enable=n' },
  { vm: 'vm-unprot01', code: 'UserErrorBcmDatasourceNotPresent', expectedCause: 'vm-not-protected', evidence: 'protection state is ProtectionStopped' },
];

export const checksScenario: ScenarioInput = {
  name: 'checks integration',
  description: 'One VM per cause the live checks can see.',
  subscriptions: [
    {
      id: subscriptionId,
      resourceGroups: [
        {
          name: 'rg-prod',
          location: 'westeurope',
          virtualMachines: [
            { name: 'vm-healthy01', osType: 'Windows', location: 'westeurope', extensions: [snapshot], nics: [nic('vm-healthy01')] },
            {
              name: 'vm-noinet01',
              osType: 'Windows',
              location: 'westeurope',
              extensions: [snapshot],
              nics: [nic('vm-noinet01', [{ name: 'DenyInternetOutbound', direction: 'Outbound', access: 'Deny', priority: 200, protocol: 'Tcp', destinationAddressPrefix: 'Internet', destinationPortRange: '443' }])],
              faults: [{ when: 'outboundBlocked', code: 'ExtensionSnapshotFailedNoNetwork', message: 'Snapshot operation failed due to no network connectivity on the virtual machine' }],
            },
            {
              name: 'vm-agent01',
              osType: 'Windows',
              location: 'westeurope',
              agent: { status: 'NotReady', version: '2.7.41491.1083' },
              extensions: [snapshot],
              nics: [nic('vm-agent01')],
              faults: [{ when: 'agentNotReady', code: 'UserErrorGuestAgentStatusUnavailable', message: 'VM Agent unable to communicate with Azure Backup' }],
            },
            {
              name: 'vm-oldagent01',
              osType: 'Linux',
              location: 'westeurope',
              agent: { status: 'Ready', version: '2.2.45' },
              extensions: [snapshotLinux],
              nics: [nic('vm-oldagent01')],
              faults: [{ when: 'agentOutOfDate', code: 'GuestAgentSnapshotTaskStatusError', message: 'Could not communicate with the VM agent for snapshot status' }],
            },
            {
              name: 'vm-stopped01',
              osType: 'Windows',
              location: 'westeurope',
              powerState: 'stopped',
              agent: { status: 'Unknown' },
              extensions: [snapshot],
              nics: [nic('vm-stopped01')],
              faults: [{ when: 'vmStoppedInGuest', code: 'GuestAgentSnapshotTaskStatusError', message: 'Could not communicate with the VM agent for snapshot status' }],
            },
            {
              name: 'vm-ext01',
              osType: 'Windows',
              location: 'westeurope',
              extensions: [{ ...snapshot, status: 'failed', message: 'The VMSnapshot extension failed to load: iaasvmprovider service not running' }],
              nics: [nic('vm-ext01')],
              faults: [{ when: 'backupExtensionFailed', code: 'ExtensionOperationFailedForManagedDisks', message: 'VMSnapshot extension operation failed' }],
            },
            {
              name: 'vm-conf01',
              osType: 'Linux',
              location: 'westeurope',
              agent: { status: 'Ready', version: '2.9.1.1' },
              extensions: [snapshotLinux],
              nics: [nic('vm-conf01')],
              guest: { waagentConf: { 'Extensions.Enable': 'n', 'Provisioning.Agent': 'auto' } },
              faults: [{ when: 'agentConfigNotSet', code: 'GuestAgentSnapshotTaskStatusError', message: 'Could not communicate with the VM agent for snapshot status' }],
            },
            { name: 'vm-unprot01', osType: 'Windows', location: 'westeurope', extensions: [snapshot], nics: [nic('vm-unprot01')] },
          ],
        },
        {
          name: 'rg-linux',
          location: 'westeurope',
          virtualMachines: [
            {
              name: 'vm-locked01',
              osType: 'Linux',
              location: 'westeurope',
              agent: { status: 'Ready', version: '2.9.1.1' },
              extensions: [snapshotLinux],
              nics: [nic('vm-locked01')],
              faults: [{ when: 'restorePointLimitLocked', code: 'UserErrorRpCollectionLimitReached', message: 'The Restore Point collection max limit has reached.' }],
            },
          ],
        },
        {
          name: 'AzureBackupRG_westeurope_1',
          location: 'westeurope',
          locks: [{ name: 'backup-rg-lock', level: 'CanNotDelete', notes: 'Do not delete anything here' }],
          restorePointCollections: [
            { name: 'AzureBackup_vm-locked01_140738144265919', sourceVm: 'vm-locked01', restorePointCount: 18 },
          ],
        },
        {
          name: 'rg-backup',
          location: 'westeurope',
          vaults: [
            {
              name: 'rsv-prod',
              protectedItems: [
                { vm: 'vm-healthy01' },
                { vm: 'vm-noinet01' },
                { vm: 'vm-agent01' },
                { vm: 'vm-oldagent01' },
                { vm: 'vm-stopped01' },
                { vm: 'vm-ext01' },
                { vm: 'vm-conf01' },
                { vm: 'vm-locked01' },
                { vm: 'vm-unprot01', protectionState: 'ProtectionStopped', healthStatus: 'ActionRequired' },
              ],
            },
          ],
        },
      ],
    },
  ],
};
