import type { VmStatus } from '../azure-port';
import { fail, pass, text, unknown, type CheckResult } from './check-types';
import { agentReportOf, agentVersionKnown, describeStatus, isOs, isRunning, notRunningEvidence } from './vm-state';

/** WALinuxAgent minimum supported version (KB 4049215, from July 2022). */
export const minimumLinuxAgentVersion = '2.2.53.1';

const agentNeedsRunningVm = text('its guest agent cannot report until it runs', 'jej agent gościa nie może nic zgłosić, dopóki nie działa');

/** windows-agent-ready / linux-agent-ready: the instance view's agent status. */
export function evaluateAgentReady(os: 'Windows' | 'Linux', vm: VmStatus): CheckResult {
  const id = os === 'Windows' ? 'windows-agent-ready' : 'linux-agent-ready';
  const other = doesNotApply(id, os, vm);
  if (other !== undefined) return other;
  const report = agentReportOf(vm);
  if (report.kind !== 'ready' && !isRunning(vm)) return unknown(id, notRunningEvidence(vm, agentNeedsRunningVm));
  const version = agentVersionKnown(vm) ? ` ${vm.agentVersion?.trim() ?? ''}` : '';
  switch (report.kind) {
    case 'ready':
      return pass(id, text(`The ${os} guest agent${version} reports Ready.`, `Agent gościa ${os}${version} zgłasza stan Ready.`));
    case 'not-ready':
      return fail(
        id,
        text(
          `The ${os} guest agent${agentVersionKnown(vm) ? version : ' (version Unknown)'} is not ready: ${describeStatus(report.status)}.`,
          `Agent gościa ${os}${agentVersionKnown(vm) ? version : ' (wersja Unknown)'} nie jest gotowy: ${describeStatus(report.status)}.`,
        ),
      );
    case 'silent':
      return fail(
        id,
        text(
          `The ${os} guest agent is not reporting: the instance view has no agent status${agentVersionKnown(vm) ? '' : ' and the agent version is Unknown'}.`,
          `Agent gościa ${os} nic nie zgłasza: widok wystąpienia nie ma stanu agenta${agentVersionKnown(vm) ? '' : ', a wersja agenta to Unknown'}.`,
        ),
      );
  }
}

/** linux-agent-version: WALinuxAgent at or above the supported minimum. */
export function evaluateLinuxAgentVersion(vm: VmStatus): CheckResult {
  const id = 'linux-agent-version';
  const other = doesNotApply(id, 'Linux', vm);
  if (other !== undefined) return other;
  if (!agentVersionKnown(vm)) {
    if (!isRunning(vm)) return unknown(id, notRunningEvidence(vm, agentNeedsRunningVm));
    return fail(
      id,
      text(
        `The Linux agent version is ${vm.agentVersion?.trim() || 'missing'}: the agent is not reporting, so Azure cannot tell whether it is at least ${minimumLinuxAgentVersion}.`,
        `Wersja agenta Linux to ${vm.agentVersion?.trim() || 'brak'}: agent nic nie zgłasza, więc Azure nie wie, czy to co najmniej ${minimumLinuxAgentVersion}.`,
      ),
    );
  }
  const version = (vm.agentVersion ?? '').trim();
  const comparison = compareVersions(version, minimumLinuxAgentVersion);
  if (comparison === undefined) {
    return unknown(id, text(`The Linux agent reports version "${version}", which is not a dotted version number.`, `Agent Linux zgłasza wersję "${version}", która nie jest numerem wersji z kropkami.`));
  }
  if (comparison < 0) {
    return fail(id, text(`The Linux agent is ${version}, older than the minimum supported ${minimumLinuxAgentVersion}.`, `Agent Linux ma wersję ${version}, starszą niż minimalna wspierana ${minimumLinuxAgentVersion}.`));
  }
  return pass(id, text(`The Linux agent is ${version}, at least the minimum supported ${minimumLinuxAgentVersion}.`, `Agent Linux ma wersję ${version}, co najmniej minimalną wspieraną ${minimumLinuxAgentVersion}.`));
}

/**
 * Dotted versions compared number by number ("2.2.100" > "2.2.53.1"; missing parts are 0).
 * Accepts a prefix such as "WALinuxAgent-2.2.45"; undefined when there is no version in it.
 */
export function compareVersions(a: string, b: string): number | undefined {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (pa === undefined || pb === undefined) return undefined;
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function parseVersion(value: string): number[] | undefined {
  const match = /\d+(?:\.\d+)*/.exec(value);
  return match ? match[0].split('.').map(Number) : undefined;
}

/** The OS-specific checks pass with "does not apply" on the other OS, so the cause reads as ruled out. */
function doesNotApply(id: string, os: 'Windows' | 'Linux', vm: VmStatus): CheckResult | undefined {
  if (isOs(vm, os) !== false) return undefined;
  return pass(id, text(`Does not apply: ${vm.vm.name} is a ${vm.osType ?? ''} VM, not ${os}.`, `Nie dotyczy: ${vm.vm.name} to maszyna ${vm.osType ?? ''}, nie ${os}.`));
}

export { doesNotApply as osDoesNotApply };
