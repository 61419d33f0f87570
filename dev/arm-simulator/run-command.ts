import type { SimVm } from './model';
import type { ClearingOperation } from './scenario';

/**
 * A tiny interpreter for the scripts the bot sends through Run Command. It recognises the
 * handful of commands the checks and fixes use and changes the VM the way the guest would.
 */

export interface RunCommandEffect {
  readonly stdout: string;
  readonly stderr: string;
  readonly operations: readonly ClearingOperation[];
}

const WINDOWS_AGENT_SERVICES = /(windowsazureguestagent|rdagent)/;

function windowsScript(vm: SimVm, script: string): RunCommandEffect {
  const text = script.toLowerCase();
  const out: string[] = [];
  const operations: ClearingOperation[] = [];
  if (/restart-service|start-service|net\s+start|sc(\.exe)?\s+start/.test(text) && WINDOWS_AGENT_SERVICES.test(text)) {
    vm.agent = { status: 'Ready', version: vm.agent.version === 'Unknown' ? '2.7.41491.1102' : vm.agent.version };
    operations.push('restartAgent');
    out.push('Restarted WindowsAzureGuestAgent.');
  }
  if (/get-service/.test(text) && WINDOWS_AGENT_SERVICES.test(text)) {
    const state = vm.agent.status === 'Ready' ? 'Running' : 'Stopped';
    out.push('Status   Name                   DisplayName', '------   ----                   -----------', `${state.padEnd(8)} RdAgent                RdAgent`, `${state.padEnd(8)} WindowsAzureGuestAgent Windows Azure Guest Agent`);
  }
  if (/waappagent\.exe/.test(text) && /versioninfo/.test(text)) out.push(vm.agent.version);
  return { stdout: out.join('\n'), stderr: '', operations };
}

function linuxScript(vm: SimVm, script: string, latestAgentVersion: string): RunCommandEffect {
  const text = script.toLowerCase();
  const out: string[] = [];
  const operations: ClearingOperation[] = [];
  const conf = vm.guest.waagentConf;
  const agentUnit = /(walinuxagent|waagent)/;
  if (/(apt-get|apt|yum|dnf|zypper)\b[^\n]*\b(install|update|upgrade)\b/.test(text) && /(walinuxagent|waagent|python-azure-agent)/.test(text)) {
    vm.agent = { status: 'Ready', version: latestAgentVersion };
    conf['AutoUpdate.Enabled'] = 'y';
    operations.push('updateAgent', 'restartAgent');
    out.push(`Setting up walinuxagent (${latestAgentVersion}) ...`);
  }
  // sed -i 's/.../Logs.Verbose=y/' /etc/waagent.conf and friends: apply every Key=value the script writes.
  if (/sed\s+-i/.test(script) && /waagent\.conf/.test(text)) {
    for (const m of script.matchAll(/\/((?:Logs\.Verbose|Extensions\.Enable|Provisioning\.Agent|AutoUpdate\.Enabled))=([A-Za-z]+)\//g)) {
      if (m[1] && m[2]) conf[m[1]] = m[2];
    }
  }
  if (/(systemctl|service)\b[^\n]*\b(restart|start)\b/.test(text) && agentUnit.test(text)) {
    vm.agent = { status: 'Ready', version: vm.agent.version === 'Unknown' ? latestAgentVersion : vm.agent.version };
    if (!operations.includes('restartAgent')) operations.push('restartAgent');
    out.push('walinuxagent restarted');
  }
  if (/waagent\s+(--version|-version)/.test(text)) {
    out.push(`WALinuxAgent-${vm.agent.version} running on ${vm.osName ?? 'linux'}`, 'Python: 3.8.10', `Goal state agent: ${vm.agent.version}`);
  }
  if (/waagent\.conf/.test(text) && /(grep|cat)\b/.test(text)) {
    const keys = [...script.matchAll(/(Extensions\.Enable|Provisioning\.Agent|Logs\.Verbose|AutoUpdate\.Enabled)/g)].map((m) => m[1] ?? '');
    const wanted = keys.length > 0 && !/\bcat\b/.test(text) ? [...new Set(keys)] : Object.keys(conf);
    for (const key of wanted) if (conf[key] !== undefined) out.push(`${key}=${conf[key]}`);
  }
  if (/(systemctl|service)\b[^\n]*\bstatus\b/.test(text) && agentUnit.test(text)) {
    out.push(vm.agent.status === 'Ready' ? 'Active: active (running)' : 'Active: inactive (dead)');
  }
  return { stdout: out.join('\n'), stderr: '', operations };
}

export function runScript(vm: SimVm, script: readonly string[], latestAgentVersion: string): RunCommandEffect {
  const text = script.join('\n');
  return vm.osType === 'Windows' ? windowsScript(vm, text) : linuxScript(vm, text, latestAgentVersion);
}

/** RunCommandResult.value in the two shapes the service uses. */
export function runCommandResultBody(vm: SimVm, effect: RunCommandEffect): { value: object[] } {
  if (vm.osType === 'Windows') {
    return {
      value: [
        { code: 'ComponentStatus/StdOut/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', message: effect.stdout },
        { code: 'ComponentStatus/StdErr/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', message: effect.stderr },
      ],
    };
  }
  return {
    value: [{ code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', message: `Enable succeeded: \n[stdout]\n${effect.stdout}\n\n[stderr]\n${effect.stderr}\n` }],
  };
}
