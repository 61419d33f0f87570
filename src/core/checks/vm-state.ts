import type { InstanceStatus, VmStatus } from '../azure-port';
import type { LocalizedText } from '../knowledge/schema';
import { text } from './check-types';

/** "PowerState/running" -> "running"; undefined when ARM did not say. */
export function powerStateOf(vm: VmStatus): string | undefined {
  return suffixOf(vm.powerState, 'PowerState/');
}

/** "ProvisioningState/failed/VMAgentStatusCommunicationError" -> "failed/VMAgentStatusCommunicationError". */
export function provisioningStateOf(vm: VmStatus): string | undefined {
  return suffixOf(vm.provisioningState, 'ProvisioningState/');
}

function suffixOf(code: string | undefined, prefix: string): string | undefined {
  if (code === undefined || code.trim() === '') return undefined;
  const lower = code.toLowerCase();
  return lower.startsWith(prefix.toLowerCase()) ? lower.slice(prefix.length) : lower;
}

/**
 * Whether the guest can be expected to report (agent status, effective rules, run command).
 * A missing power state is treated as running: a check should then judge what it sees
 * rather than guess that the VM is off.
 */
export function isRunning(vm: VmStatus): boolean {
  const state = powerStateOf(vm);
  return state === undefined || state === 'running';
}

/** One line for a VM that is not running, for checks that need the guest. */
export function notRunningEvidence(vm: VmStatus, needs: LocalizedText): LocalizedText {
  const state = describePowerState(powerStateOf(vm) ?? 'unknown');
  return text(`VM ${vm.vm.name} ${state.en}, so ${needs.en}.`, `Maszyna ${vm.vm.name} ${state.pl}, więc ${needs.pl}.`);
}

/** The verb phrase for a power state ("is stopped (PowerState/stopped)"), as Polish needs different verbs. */
export function describePowerState(state: string): LocalizedText {
  switch (state) {
    case 'running':
      return text('is running', 'jest uruchomiona');
    case 'stopped':
      return text('is stopped (PowerState/stopped)', 'jest zatrzymana (PowerState/stopped)');
    case 'deallocated':
      return text('is deallocated (PowerState/deallocated)', 'jest zatrzymana z cofniętym przydziałem (PowerState/deallocated)');
    case 'deallocating':
      return text('is being deallocated', 'jest w trakcie cofania przydziału');
    case 'stopping':
      return text('is stopping', 'jest w trakcie zatrzymywania');
    case 'starting':
      return text('is starting', 'jest w trakcie uruchamiania');
    default:
      return text(`is in power state ${state}`, `jest w stanie zasilania ${state}`);
  }
}

export type AgentReport =
  | { readonly kind: 'ready'; readonly version?: string; readonly status: InstanceStatus }
  | { readonly kind: 'not-ready'; readonly version?: string; readonly status: InstanceStatus }
  /** No status at all: the agent never reported (not installed, stopped, or the guest is off). */
  | { readonly kind: 'silent'; readonly version?: string };

export function agentReportOf(vm: VmStatus): AgentReport {
  const version = vm.agentVersion === undefined || vm.agentVersion.trim() === '' ? undefined : vm.agentVersion.trim();
  const status = vm.agentStatuses.find((s) => (s.displayStatus ?? '').trim() !== '') ?? vm.agentStatuses[0];
  if (status === undefined) return version === undefined ? { kind: 'silent' } : { kind: 'silent', version };
  const ready = (status.displayStatus ?? '').trim().toLowerCase() === 'ready';
  const base = version === undefined ? { status } : { status, version };
  return ready ? { kind: 'ready', ...base } : { kind: 'not-ready', ...base };
}

/** ARM reports "Unknown" as the version when the agent is not reporting. */
export function agentVersionKnown(vm: VmStatus): boolean {
  const version = vm.agentVersion?.trim();
  return version !== undefined && version !== '' && version.toLowerCase() !== 'unknown';
}

/** The agent is not talking to the platform: no status, or version "Unknown" with no Ready status. */
export function agentSilent(vm: VmStatus): boolean {
  const report = agentReportOf(vm);
  if (report.kind === 'silent') return true;
  return report.kind === 'not-ready' && !agentVersionKnown(vm);
}

/** A status line for evidence: displayStatus, code and a shortened message. */
export function describeStatus(status: InstanceStatus): string {
  const parts = [status.displayStatus, status.code].filter((p): p is string => p !== undefined && p.trim() !== '');
  const head = parts.length > 0 ? parts.join(', ') : 'no status';
  const message = status.message?.trim();
  return message === undefined || message === '' ? head : `${head}: "${shorten(message, 140)}"`;
}

export function shorten(value: string, max: number): string {
  const oneLine = value.replace(/\s+/g, ' ').trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}

export function isOs(vm: VmStatus, os: 'Windows' | 'Linux'): boolean | undefined {
  if (vm.osType === undefined) return undefined;
  return vm.osType.toLowerCase() === os.toLowerCase();
}
