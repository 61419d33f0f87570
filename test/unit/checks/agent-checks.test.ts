import { compareVersions, evaluateAgentReady, evaluateLinuxAgentVersion } from '../../../src/core/checks/agent-checks';
import { agentNotReady, linuxVm, windowsVm } from './evidence-fixtures';

describe('windows-agent-ready / linux-agent-ready', () => {
  it('passes when the agent reports Ready, with its version', () => {
    const result = evaluateAgentReady('Windows', windowsVm());
    expect(result).toMatchObject({ checkId: 'windows-agent-ready', status: 'pass' });
    expect(result.evidence.en).toBe('The Windows guest agent 2.7.41491.1083 reports Ready.');
  });

  it('fails on Not Ready, quoting the status message', () => {
    const result = evaluateAgentReady('Windows', windowsVm({ agentVersion: 'Unknown', agentStatuses: [agentNotReady] }));
    expect(result.status).toBe('fail');
    expect(result.evidence.en).toContain('(version Unknown) is not ready: Not Ready, ProvisioningState/Unavailable: "VM status blob is found but not yet populated."');
  });

  it('fails when the agent reports nothing at all', () => {
    const result = evaluateAgentReady('Linux', linuxVm({ agentVersion: undefined, agentStatuses: [] }));
    expect(result).toMatchObject({ checkId: 'linux-agent-ready', status: 'fail' });
    expect(result.evidence.en).toContain('not reporting');
  });

  it('passes with "does not apply" on the other OS, so the Windows cause is ruled out for a Linux VM', () => {
    const result = evaluateAgentReady('Windows', linuxVm({ agentStatuses: [] }));
    expect(result.status).toBe('pass');
    expect(result.evidence.en).toBe('Does not apply: vm-app02 is a Linux VM, not Windows.');
    expect(result.evidence.pl).toBe('Nie dotyczy: vm-app02 to maszyna Linux, nie Windows.');
  });

  it('is unknown when the VM is deallocated: the agent cannot report then', () => {
    const result = evaluateAgentReady('Windows', windowsVm({ powerState: 'PowerState/deallocated', agentVersion: 'Unknown', agentStatuses: [] }));
    expect(result.status).toBe('unknown');
  });

  it('judges the agent when the OS type is not known', () => {
    expect(evaluateAgentReady('Linux', windowsVm({ osType: undefined })).status).toBe('pass');
  });
});

describe('linux-agent-version', () => {
  it.each([
    ['2.2.45', 'fail'],
    ['2.2.53', 'fail'],
    ['2.2.53.0', 'fail'],
    ['2.2.53.1', 'pass'],
    ['2.2.100.0', 'pass'],
    ['2.10.0.1', 'pass'],
    ['WALinuxAgent-2.2.49.2', 'fail'],
  ])('version %s gives %s', (version, expected) => {
    expect(evaluateLinuxAgentVersion(linuxVm({ agentVersion: version })).status).toBe(expected);
  });

  it('names the version and the minimum when it fails', () => {
    const result = evaluateLinuxAgentVersion(linuxVm({ agentVersion: '2.2.45' }));
    expect(result.evidence.en).toBe('The Linux agent is 2.2.45, older than the minimum supported 2.2.53.1.');
    expect(result.evidence.pl).toBe('Agent Linux ma wersję 2.2.45, starszą niż minimalna wspierana 2.2.53.1.');
  });

  it('fails on Unknown while the VM runs (the agent is not reporting)', () => {
    const result = evaluateLinuxAgentVersion(linuxVm({ agentVersion: 'Unknown', agentStatuses: [agentNotReady] }));
    expect(result.status).toBe('fail');
    expect(result.evidence.en).toContain('version is Unknown');
  });

  it('is unknown on Unknown while the VM is stopped', () => {
    expect(evaluateLinuxAgentVersion(linuxVm({ agentVersion: 'Unknown', powerState: 'PowerState/stopped' })).status).toBe('unknown');
  });

  it('does not apply to Windows', () => {
    expect(evaluateLinuxAgentVersion(windowsVm({ agentVersion: '2.7.41491.1083' })).status).toBe('pass');
  });

  it('is unknown for a version with no number', () => {
    expect(evaluateLinuxAgentVersion(linuxVm({ agentVersion: 'latest' })).status).toBe('unknown');
  });

  it('compares dotted versions numerically', () => {
    expect(compareVersions('2.10', '2.9.9.9')).toBe(1);
    expect(compareVersions('2.2.53.1', '2.2.53.1.0')).toBe(0);
    expect(compareVersions('x', '1')).toBeUndefined();
  });
});
