import {
  evaluateLinuxAgentConfig,
  linuxAgentConfigCommand,
  linuxAgentConfigNotAllowed,
  linuxAgentConfigPrecondition,
  parseWaagentSettings,
} from '../../../src/core/checks/linux-agent-config-check';
import { linuxVm, windowsVm } from './evidence-fixtures';

describe('linux-agent-config', () => {
  it('runs only the read-only grep of /etc/waagent.conf', () => {
    expect(linuxAgentConfigCommand).toBe("grep -E '^(Extensions.Enable|Provisioning.Agent)' /etc/waagent.conf");
  });

  it('passes with Extensions.Enable=y and Provisioning.Agent=auto', () => {
    const result = evaluateLinuxAgentConfig({ stdout: 'Extensions.Enable=y\nProvisioning.Agent=auto\n', stderr: '' });
    expect(result.status).toBe('pass');
    expect(result.evidence.en).toBe('/etc/waagent.conf has Extensions.Enable=y, Provisioning.Agent=auto.');
  });

  it('fails when extensions are disabled, saying what must change', () => {
    const result = evaluateLinuxAgentConfig({ stdout: 'Extensions.Enable=n\nProvisioning.Agent=auto\n', stderr: '' });
    expect(result.status).toBe('fail');
    expect(result.evidence.en).toBe('/etc/waagent.conf has Extensions.Enable=n, Provisioning.Agent=auto: Extensions.Enable must be y.');
    expect(result.evidence.pl).toContain('Extensions.Enable musi mieć wartość y');
  });

  it('fails when provisioning is handed to another agent', () => {
    expect(evaluateLinuxAgentConfig({ stdout: 'Provisioning.Agent=disabled', stderr: '' }).evidence.en).toContain('Extensions.Enable=y (default), Provisioning.Agent=disabled: Provisioning.Agent must be auto');
  });

  it('applies the agent defaults when grep finds neither setting', () => {
    const result = evaluateLinuxAgentConfig({ stdout: '', stderr: '' });
    expect(result.status).toBe('pass');
    expect(result.evidence.en).toContain('(default)');
  });

  it('is unknown when the file cannot be read', () => {
    expect(evaluateLinuxAgentConfig({ stdout: '', stderr: 'grep: /etc/waagent.conf: No such file or directory' }).status).toBe('unknown');
  });

  it('tolerates spaces and comments', () => {
    expect(parseWaagentSettings('Extensions.Enable = y # on\r\nProvisioning.Agent=AUTO')).toEqual({ extensionsEnable: 'y', provisioningAgent: 'auto' });
  });

  it('is unknown with the command to run by hand when read-only run commands are not allowed', () => {
    const result = linuxAgentConfigNotAllowed(linuxVm());
    expect(result.status).toBe('unknown');
    expect(result.evidence.en).toContain(linuxAgentConfigCommand);
  });

  it('does not apply to Windows and cannot run on a stopped VM', () => {
    expect(linuxAgentConfigPrecondition(windowsVm())?.status).toBe('pass');
    expect(linuxAgentConfigPrecondition(linuxVm({ powerState: 'PowerState/deallocated' }))?.status).toBe('unknown');
    expect(linuxAgentConfigPrecondition(linuxVm())).toBeUndefined();
  });
});
