import type { ScenarioInput } from '../../../dev/arm-simulator/scenario';
import type { ArmSimulator } from '../../../dev/arm-simulator/server';
import { LocalSimulatorCredential } from '../../../src/azure/credential';
import { SdkAzureGateway } from '../../../src/azure/sdk-azure-gateway';
import { parsePolicy, type PolicyState } from '../../../src/core/remediation/policy';

/** A small estate for the remediation tests: one failing VM per seed cause that has a fix, and one out of scope. */
export const SUB = '6a1f0c3e-1b2d-4e5f-8a9b-0c1d2e3f4a5b';

export const alexAad = '00000000-0000-0000-0000-0000000000020';
export const meganAad = '00000000-0000-0000-0000-0000000000021';

export const remediationScenario: ScenarioInput = {
  name: 'remediation',
  settings: { jobCompletionDelayMs: 0, asyncOperationPolls: 0 },
  subscriptions: [
    {
      id: SUB,
      resourceGroups: [
        {
          name: 'rg-prod',
          location: 'westeurope',
          virtualMachines: [
            { name: 'win-agent', osType: 'Windows', location: 'westeurope', agent: { status: 'NotReady' }, extensions: [{ name: 'VMSnapshot', type: 'Microsoft.Azure.RecoveryServices.VMSnapshot' }] },
            { name: 'lin-old', osType: 'Linux', osName: 'Ubuntu 18.04', location: 'westeurope', agent: { status: 'Ready', version: '2.2.10' } },
            { name: 'lin-conf', osType: 'Linux', osName: 'RHEL 8', location: 'westeurope', agent: { status: 'NotReady', version: '2.9.1.1' } },
            { name: 'win-ext', osType: 'Windows', location: 'westeurope', extensions: [{ name: 'VMSnapshot', type: 'Microsoft.Azure.RecoveryServices.VMSnapshot', status: 'failed', message: 'Extension failed to load' }] },
            { name: 'win-rp', osType: 'Windows', location: 'westeurope' },
            { name: 'win-stopped', osType: 'Windows', location: 'westeurope', powerState: 'stopped' },
          ],
        },
        {
          name: 'rg-backup',
          location: 'westeurope',
          vaults: [
            {
              name: 'vault-prod',
              protectedItems: [
                { vm: 'win-agent' },
                { vm: 'lin-old' },
                { vm: 'lin-conf' },
                { vm: 'win-ext' },
                { vm: 'win-rp' },
                { vm: 'win-stopped' },
                { vm: 'fin-db' },
              ],
            },
          ],
        },
        {
          name: 'AzureBackupRG_westeurope_1',
          location: 'westeurope',
          locks: [{ name: 'keep-backups', level: 'CanNotDelete', notes: 'Change board CB-1234: do not remove' }],
          restorePointCollections: [{ name: 'AzureBackup_win-rp_1700000000', sourceVm: 'win-rp', restorePointCount: 18 }],
        },
        {
          name: 'rg-finance',
          location: 'westeurope',
          virtualMachines: [{ name: 'fin-db', osType: 'Windows', location: 'westeurope', agent: { status: 'NotReady' } }],
        },
      ],
    },
  ],
};

export function remediationPolicy(): Record<string, unknown> {
  return {
    version: 1,
    enabledFixes: ['retry-backup', 'restart-windows-agent', 'restart-linux-agent', 'update-linux-agent', 'reinstall-backup-extension', 'clear-restore-points-behind-lock', 'enable-verbose-agent-logging'],
    groups: { operators: [`aad:${alexAad}`, `aad:${meganAad}`] },
    requesters: ['group:operators'],
    approvers: ['group:operators'],
    scope: { subscriptions: [SUB], resourceGroups: ['rg-prod', 'AzureBackupRG_*'] },
  };
}

/** The real SDK gateway pointed at a simulator of this estate: no retries, no poll delay. */
export function remediationGateway(sim: ArmSimulator): SdkAzureGateway {
  return new SdkAzureGateway({ credential: new LocalSimulatorCredential(), endpoint: sim.endpoint, ca: sim.caPem, retry: { maxRetries: 0 }, lroPollIntervalInMs: 0, subscriptionIds: [SUB] });
}

/** The remediation policy above, loaded as the app would load it from a file. */
export function loadedRemediationPolicy(policy: Record<string, unknown> = remediationPolicy()): PolicyState {
  return { kind: 'loaded', policy: parsePolicy(policy, 'policy.json'), source: 'policy.json' };
}
