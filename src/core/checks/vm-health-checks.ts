import type { ExtensionStatus, InstanceStatus, VmStatus } from '../azure-port';
import { fail, pass, text, unknown, type CheckResult } from './check-types';
import { agentSilent, describePowerState, describeStatus, powerStateOf, provisioningStateOf, shorten } from './vm-state';

/**
 * vm-power-state: a VM shut down from inside the guest stays allocated (PowerState/stopped)
 * and its status is reported wrongly; the same shows as a "running" VM whose agent is silent.
 */
export function evaluateVmPowerState(vm: VmStatus): CheckResult {
  const id = 'vm-power-state';
  const power = powerStateOf(vm);
  const provisioning = provisioningStateOf(vm);
  if (power === undefined) return unknown(id, text(`Azure reports no power state for ${vm.vm.name}.`, `Azure nie podaje stanu zasilania maszyny ${vm.vm.name}.`));
  const state = describePowerState(power);
  if (power === 'stopped') {
    return fail(
      id,
      text(
        `VM ${vm.vm.name} ${state.en} but still allocated (provisioning ${provisioning ?? 'unknown'}): it was shut down from inside the guest. Start it, or shut it down from the Azure portal so it is deallocated.`,
        `Maszyna ${vm.vm.name} ${state.pl}, ale nadal ma przydzielone zasoby (aprowizacja: ${provisioning ?? 'nieznana'}): wyłączono ją z poziomu systemu gościa. Uruchom ją albo wyłącz z portalu Azure, aby cofnąć przydział.`,
      ),
    );
  }
  if (power === 'running' && agentSilent(vm)) {
    return fail(
      id,
      text(
        `VM ${vm.vm.name} ${state.en} but its guest agent is not reporting (version ${vm.agentVersion?.trim() || 'missing'}): the guest may have been shut down from inside. Restart or shut down the VM from the Azure portal, not from inside the guest.`,
        `Maszyna ${vm.vm.name} ${state.pl}, ale jej agent gościa nic nie zgłasza (wersja ${vm.agentVersion?.trim() || 'brak'}): system mógł zostać wyłączony od środka. Uruchom ponownie lub wyłącz maszynę z portalu Azure, nie z poziomu systemu gościa.`,
      ),
    );
  }
  if (power === 'running' || power === 'deallocated') {
    const why = power === 'running' ? text('and its agent reports', 'a jej agent się zgłasza') : text('through Azure, which backup handles', 'przez Azure, co kopia zapasowa obsługuje');
    return pass(id, text(`VM ${vm.vm.name} ${state.en} ${why.en}.`, `Maszyna ${vm.vm.name} ${state.pl} ${why.pl}.`));
  }
  return unknown(id, text(`VM ${vm.vm.name} ${state.en}; check again when it settles.`, `Maszyna ${vm.vm.name} ${state.pl}; sprawdź ponownie, gdy stan się ustali.`));
}

/** vm-provisioning-state: backups need the VM's provisioning to have succeeded. */
export function evaluateVmProvisioningState(vm: VmStatus): CheckResult {
  const id = 'vm-provisioning-state';
  const state = provisioningStateOf(vm);
  if (state === undefined) return unknown(id, text(`Azure reports no provisioning state for ${vm.vm.name}.`, `Azure nie podaje stanu aprowizacji maszyny ${vm.vm.name}.`));
  const shown = vm.provisioningState ?? state;
  if (state === 'succeeded') return pass(id, text(`VM ${vm.vm.name} provisioning state is ${shown}.`, `Stan aprowizacji maszyny ${vm.vm.name} to ${shown}.`));
  if (state.startsWith('failed')) {
    return fail(
      id,
      text(
        `VM ${vm.vm.name} is in a failed provisioning state (${shown}); a failed extension usually causes it.`,
        `Maszyna ${vm.vm.name} jest w stanie nieudanej aprowizacji (${shown}); zwykle powoduje to rozszerzenie, które się nie zainstalowało.`,
      ),
    );
  }
  return fail(
    id,
    text(`VM ${vm.vm.name} provisioning state is ${shown}, not Succeeded; wait until the operation finishes, then retry the backup.`, `Stan aprowizacji maszyny ${vm.vm.name} to ${shown}, a nie Succeeded; poczekaj na koniec operacji i ponów kopię zapasową.`),
  );
}

export type StatusHealth = 'ok' | 'failed' | 'transitioning' | 'not-ready';

/** One instance-view status: failed (level Error or a code naming failure), in progress, or fine. */
export function statusHealth(status: InstanceStatus): StatusHealth {
  const code = (status.code ?? '').toLowerCase();
  const display = (status.displayStatus ?? '').toLowerCase();
  if ((status.level ?? '').toLowerCase() === 'error' || code.includes('failed') || display.includes('failed') || display === 'error') return 'failed';
  if (/(transitioning|deleting|creating|updating)/.test(code) || /(transitioning|deleting|creating|updating)/.test(display)) return 'transitioning';
  if (display === 'not ready' || code.includes('unavailable')) return 'not-ready';
  return 'ok';
}

/** extensions-provisioned: every extension provisioned successfully (a failed one can block backup). */
export function evaluateExtensionsProvisioned(vm: VmStatus): CheckResult {
  const id = 'extensions-provisioned';
  const failed: string[] = [];
  const pending: string[] = [];
  for (const extension of vm.extensions) {
    const worst = worstStatus(extension);
    if (worst === undefined) continue;
    const line = `${extension.name} (${describeStatus(worst.status)})`;
    if (worst.health === 'failed') failed.push(line);
    else if (worst.health === 'transitioning') pending.push(line);
  }
  for (const handler of vm.extensionHandlers) {
    if (handler.status === undefined || statusHealth(handler.status) !== 'failed') continue;
    if (vm.extensions.some((e) => sameExtension(e, handler.type))) continue;
    failed.push(`${handler.type} (${describeStatus(handler.status)})`);
  }
  if (failed.length > 0) {
    return fail(id, text(`Not provisioned: ${shorten(failed.join('; '), 300)}.`, `Nie zainstalowano poprawnie: ${shorten(failed.join('; '), 300)}.`));
  }
  if (pending.length > 0) {
    return unknown(id, text(`Still in progress: ${shorten(pending.join('; '), 300)}; check again when they settle.`, `Nadal w toku: ${shorten(pending.join('; '), 300)}; sprawdź ponownie, gdy się zakończą.`));
  }
  if (vm.extensions.length === 0) return pass(id, text(`VM ${vm.vm.name} reports no extensions, so none has failed.`, `Maszyna ${vm.vm.name} nie zgłasza żadnych rozszerzeń, więc żadne nie zawiodło.`));
  const names = vm.extensions.map((e) => e.name).join(', ');
  return pass(id, text(`All ${vm.extensions.length} extensions provisioned successfully (${names}).`, `Wszystkie rozszerzenia (${vm.extensions.length}) zainstalowano poprawnie (${names}).`));
}

function worstStatus(extension: ExtensionStatus): { status: InstanceStatus; health: StatusHealth } | undefined {
  const rank: Record<StatusHealth, number> = { failed: 3, transitioning: 2, 'not-ready': 1, ok: 0 };
  let worst: { status: InstanceStatus; health: StatusHealth } | undefined;
  for (const status of extension.statuses) {
    const health = statusHealth(status);
    if (worst === undefined || rank[health] > rank[worst.health]) worst = { status, health };
  }
  return worst;
}

function sameExtension(extension: ExtensionStatus, handlerType: string): boolean {
  const type = extension.type?.toLowerCase();
  const handler = handlerType.toLowerCase();
  return (type !== undefined && (handler === type || handler.endsWith(`.${type}`))) || handler.endsWith(`.${extension.name.toLowerCase()}`);
}

/** guest-dhcp: ARM cannot see inside the guest; the operator checks by hand. */
export function evaluateGuestDhcp(vm: VmStatus | undefined): CheckResult {
  const name = vm?.vm.name;
  return unknown(
    'guest-dhcp',
    text(
      `Azure cannot see whether DHCP is enabled inside ${name ?? 'the guest'}; check it by hand.`,
      `Azure nie widzi, czy DHCP jest włączone w systemie gościa${name === undefined ? '' : ` maszyny ${name}`}; sprawdź to ręcznie.`,
    ),
  );
}
