import type { RunCommandOutput, VmStatus } from '../azure-port';
import type { LocalizedText } from '../knowledge/schema';
import { fail, pass, text, unknown, type CheckResult } from './check-types';
import { osDoesNotApply } from './agent-checks';
import { isRunning, notRunningEvidence, shorten } from './vm-state';

/** Read-only: prints the two settings Azure Backup needs and changes nothing. */
export const linuxAgentConfigCommand = "grep -E '^(Extensions.Enable|Provisioning.Agent)' /etc/waagent.conf";

/** WALinuxAgent's defaults when a setting is absent from the file. */
const defaults = { extensionsEnable: 'y', provisioningAgent: 'auto' } as const;

export interface WaagentSettings {
  readonly extensionsEnable?: string;
  readonly provisioningAgent?: string;
}

/** `Key=value` lines as waagent.conf writes them (spaces and trailing comments tolerated). */
export function parseWaagentSettings(stdout: string): WaagentSettings {
  const settings: { extensionsEnable?: string; provisioningAgent?: string } = {};
  for (const raw of stdout.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, '').trim();
    const match = /^(Extensions\.Enable|Provisioning\.Agent)\s*=\s*(\S*)/.exec(line);
    if (!match) continue;
    const value = (match[2] ?? '').toLowerCase();
    if (match[1] === 'Extensions.Enable') settings.extensionsEnable = value;
    else settings.provisioningAgent = value;
  }
  return settings;
}

/** The run command's own answer when it did not run; nothing to read from the guest then. */
export function linuxAgentConfigNotAllowed(vm: VmStatus | undefined, refusal?: LocalizedText): CheckResult {
  if (refusal !== undefined) {
    return unknown(
      'linux-agent-config',
      text(`${refusal.en} Run on ${vm?.vm.name ?? 'the VM'}: ${linuxAgentConfigCommand}`, `${refusal.pl} Uruchom na ${vm?.vm.name ?? 'maszynie'}: ${linuxAgentConfigCommand}`),
    );
  }
  return unknown(
    'linux-agent-config',
    text(
      `Reading /etc/waagent.conf needs a read-only run command, which the configuration does not allow; run on ${vm?.vm.name ?? 'the VM'}: ${linuxAgentConfigCommand}`,
      `Odczyt /etc/waagent.conf wymaga polecenia uruchamianego tylko do odczytu, na które konfiguracja nie pozwala; uruchom na ${vm?.vm.name ?? 'maszynie'}: ${linuxAgentConfigCommand}`,
    ),
  );
}

/** Before running anything: on Windows the check does not apply, and a stopped VM cannot run commands. */
export function linuxAgentConfigPrecondition(vm: VmStatus): CheckResult | undefined {
  const other = osDoesNotApply('linux-agent-config', 'Linux', vm);
  if (other !== undefined) return other;
  if (!isRunning(vm)) {
    return unknown('linux-agent-config', notRunningEvidence(vm, text('a run command cannot read /etc/waagent.conf', 'polecenie uruchamiane nie odczyta /etc/waagent.conf')));
  }
  return undefined;
}

/** linux-agent-config: Extensions.Enable=y and Provisioning.Agent=auto (current guidance, cause C). */
export function evaluateLinuxAgentConfig(output: RunCommandOutput): CheckResult {
  const id = 'linux-agent-config';
  const stderr = output.stderr.trim();
  const settings = parseWaagentSettings(output.stdout);
  if (stderr !== '' && settings.extensionsEnable === undefined && settings.provisioningAgent === undefined) {
    return unknown(id, text(`Could not read /etc/waagent.conf: ${shorten(stderr, 160)}`, `Nie udało się odczytać /etc/waagent.conf: ${shorten(stderr, 160)}`));
  }
  const extensions = settings.extensionsEnable ?? defaults.extensionsEnable;
  const provisioning = settings.provisioningAgent ?? defaults.provisioningAgent;
  const shown = `Extensions.Enable=${extensions}${settings.extensionsEnable === undefined ? ' (default)' : ''}, Provisioning.Agent=${provisioning}${settings.provisioningAgent === undefined ? ' (default)' : ''}`;
  const shownPl = shown.replace(/\(default\)/g, '(domyślnie)');
  const wrong: string[] = [];
  if (extensions !== 'y') wrong.push('Extensions.Enable must be y');
  if (provisioning !== 'auto') wrong.push('Provisioning.Agent must be auto');
  if (wrong.length > 0) {
    const wrongPl = wrong.map((w) => w.replace('must be', 'musi mieć wartość'));
    return fail(id, text(`/etc/waagent.conf has ${shown}: ${wrong.join(' and ')}.`, `/etc/waagent.conf ma ${shownPl}: ${wrongPl.join(' oraz ')}.`));
  }
  return pass(id, text(`/etc/waagent.conf has ${shown}.`, `/etc/waagent.conf ma ${shownPl}.`));
}
