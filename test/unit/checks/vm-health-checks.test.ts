import { evaluateBackupExtensionHealth } from '../../../src/core/checks/backup-extension-checks';
import { evaluateExtensionsProvisioned, evaluateGuestDhcp, evaluateVmPowerState, evaluateVmProvisioningState } from '../../../src/core/checks/vm-health-checks';
import { agentNotReady, linuxVm, windowsVm } from './evidence-fixtures';

describe('vm-power-state', () => {
  it('fails for a VM stopped from inside the guest, with the portal advice', () => {
    const result = evaluateVmPowerState(windowsVm({ powerState: 'PowerState/stopped', agentVersion: 'Unknown', agentStatuses: [] }));
    expect(result.status).toBe('fail');
    expect(result.evidence.en).toContain('is stopped (PowerState/stopped) but still allocated (provisioning succeeded): it was shut down from inside the guest');
    expect(result.evidence.en).toContain('shut it down from the Azure portal');
  });

  it('fails for a running VM whose agent is silent', () => {
    const result = evaluateVmPowerState(windowsVm({ agentVersion: 'Unknown', agentStatuses: [agentNotReady] }));
    expect(result.status).toBe('fail');
    expect(result.evidence.en).toContain('guest agent is not reporting (version Unknown)');
  });

  it('passes for a running VM whose agent reports', () => {
    expect(evaluateVmPowerState(windowsVm()).status).toBe('pass');
  });

  it('passes for a VM deallocated through Azure', () => {
    const result = evaluateVmPowerState(windowsVm({ powerState: 'PowerState/deallocated' }));
    expect(result.status).toBe('pass');
  });

  it('is unknown while the VM is starting or has no power state', () => {
    expect(evaluateVmPowerState(windowsVm({ powerState: 'PowerState/starting' })).status).toBe('unknown');
    expect(evaluateVmPowerState(windowsVm({ powerState: undefined })).status).toBe('unknown');
  });
});

describe('vm-provisioning-state', () => {
  it.each([
    ['ProvisioningState/succeeded', 'pass'],
    ['ProvisioningState/failed/VMAgentStatusCommunicationError', 'fail'],
    ['ProvisioningState/updating', 'fail'],
    [undefined, 'unknown'],
  ])('%s gives %s', (state, expected) => {
    expect(evaluateVmProvisioningState(windowsVm({ provisioningState: state })).status).toBe(expected);
  });

  it('quotes the failed state', () => {
    const result = evaluateVmProvisioningState(windowsVm({ provisioningState: 'ProvisioningState/failed/VMAgentStatusCommunicationError' }));
    expect(result.evidence.en).toContain('failed provisioning state (ProvisioningState/failed/VMAgentStatusCommunicationError)');
  });
});

describe('extensions-provisioned', () => {
  it('passes when every extension succeeded', () => {
    const result = evaluateExtensionsProvisioned(windowsVm());
    expect(result.status).toBe('pass');
    expect(result.evidence.en).toBe('All 1 extensions provisioned successfully (VMSnapshot).');
  });

  it('fails naming the extension that failed', () => {
    const vm = windowsVm({
      extensions: [
        ...windowsVm().extensions,
        {
          name: 'MicrosoftMonitoringAgent',
          type: 'MicrosoftMonitoringAgent',
          statuses: [{ code: 'ProvisioningState/failed/-2147467259', level: 'Error', displayStatus: 'Provisioning failed', message: 'Enable failed: workspace key is invalid' }],
        },
      ],
    });
    const result = evaluateExtensionsProvisioned(vm);
    expect(result.status).toBe('fail');
    expect(result.evidence.en).toContain('MicrosoftMonitoringAgent (Provisioning failed, ProvisioningState/failed/-2147467259: "Enable failed: workspace key is invalid")');
  });

  it('is unknown while an extension is still transitioning', () => {
    const vm = windowsVm({ extensions: [{ name: 'CustomScript', statuses: [{ code: 'ProvisioningState/transitioning', level: 'Info', displayStatus: 'Transitioning' }] }] });
    expect(evaluateExtensionsProvisioned(vm).status).toBe('unknown');
  });

  it('passes when there are no extensions', () => {
    expect(evaluateExtensionsProvisioned(windowsVm({ extensions: [], extensionHandlers: [] })).status).toBe('pass');
  });
});

describe('guest-dhcp', () => {
  it('is always unknown: ARM cannot see DHCP inside the guest', () => {
    const result = evaluateGuestDhcp(windowsVm());
    expect(result.status).toBe('unknown');
    expect(result.evidence.en).toContain('cannot see whether DHCP is enabled');
  });
});

describe('backup-extension-health', () => {
  const now = new Date('2024-05-01T10:00:00Z');

  it('passes when VMSnapshot and its handler are healthy', () => {
    expect(evaluateBackupExtensionHealth(windowsVm(), now).status).toBe('pass');
  });

  it('passes when the extension is not installed yet (the next backup installs it)', () => {
    const result = evaluateBackupExtensionHealth(windowsVm({ extensions: [], extensionHandlers: [] }), now);
    expect(result.status).toBe('pass');
    expect(result.evidence.en).toContain('next backup installs it');
  });

  it('fails when the VMSnapshotLinux handler is in error', () => {
    const vm = linuxVm({
      extensionHandlers: [
        {
          type: 'Microsoft.Azure.RecoveryServices.VMSnapshotLinux',
          typeHandlerVersion: '1.0.9225.0',
          status: { code: 'ProvisioningState/failed/1', level: 'Error', displayStatus: 'Not Ready', message: 'Plugin enable failed' },
        },
      ],
    });
    const result = evaluateBackupExtensionHealth(vm, now);
    expect(result.status).toBe('fail');
    expect(result.evidence.en).toContain('Microsoft.Azure.RecoveryServices.VMSnapshotLinux 1.0.9225.0: Not Ready, ProvisioningState/failed/1: "Plugin enable failed"');
  });

  it('fails when the extension has been transitioning for longer than 30 minutes', () => {
    const vm = windowsVm({
      extensions: [{ name: 'VMSnapshot', type: 'Microsoft.Azure.RecoveryServices.VMSnapshot', statuses: [{ code: 'ProvisioningState/transitioning', displayStatus: 'Transitioning', time: new Date('2024-05-01T08:00:00Z') }] }],
    });
    const result = evaluateBackupExtensionHealth(vm, now);
    expect(result.status).toBe('fail');
    expect(result.evidence.en).toContain('stuck for 120 min');
  });

  it('fails when the extension is stuck deleting with no timestamp', () => {
    const vm = windowsVm({ extensions: [{ name: 'VMSnapshot', statuses: [{ code: 'ProvisioningState/deleting', displayStatus: 'Deleting' }] }] });
    expect(evaluateBackupExtensionHealth(vm, now).status).toBe('fail');
  });

  it('is unknown for a transition that started minutes ago', () => {
    const vm = windowsVm({
      extensions: [{ name: 'VMSnapshot', statuses: [{ code: 'ProvisioningState/transitioning', displayStatus: 'Transitioning', time: new Date('2024-05-01T09:55:00Z') }] }],
    });
    expect(evaluateBackupExtensionHealth(vm, now).status).toBe('unknown');
  });
});
