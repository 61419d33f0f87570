import type { InstanceStatus, VmStatus } from '../azure-port';
import { fail, pass, text, unknown, type CheckResult } from './check-types';
import { statusHealth } from './vm-health-checks';
import { describeStatus } from './vm-state';

/** Longer than a normal install or snapshot run; a transition older than this is stuck. */
export const stuckTransitionInMs = 30 * 60 * 1000;

const extensionName = /^vmsnapshot(linux)?$/i;
const handlerType = /(^|\.)vmsnapshot(linux)?$/i;

/** backup-extension-health: the VMSnapshot / VMSnapshotLinux extension and its handler. */
export function evaluateBackupExtensionHealth(vm: VmStatus, now: Date): CheckResult {
  const id = 'backup-extension-health';
  const observed: { source: string; status: InstanceStatus }[] = [];
  for (const extension of vm.extensions) {
    if (!extensionName.test(extension.name) && !handlerType.test(extension.type ?? '')) continue;
    for (const status of extension.statuses) observed.push({ source: extension.name, status });
  }
  for (const handler of vm.extensionHandlers) {
    if (!handlerType.test(handler.type) || handler.status === undefined) continue;
    observed.push({ source: `${handler.type}${handler.typeHandlerVersion ? ` ${handler.typeHandlerVersion}` : ''}`, status: handler.status });
  }
  if (observed.length === 0) {
    return pass(
      id,
      text(
        `The backup extension (VMSnapshot/VMSnapshotLinux) is not installed on ${vm.vm.name}; the next backup installs it.`,
        `Rozszerzenie kopii zapasowej (VMSnapshot/VMSnapshotLinux) nie jest zainstalowane na ${vm.vm.name}; następna kopia zapasowa je zainstaluje.`,
      ),
    );
  }
  const failed = observed.find((o) => statusHealth(o.status) === 'failed');
  if (failed !== undefined) {
    return fail(id, text(`The backup extension is in error: ${failed.source}: ${describeStatus(failed.status)}.`, `Rozszerzenie kopii zapasowej zgłasza błąd: ${failed.source}: ${describeStatus(failed.status)}.`));
  }
  const transitioning = observed.find((o) => statusHealth(o.status) === 'transitioning');
  if (transitioning !== undefined) {
    const since = transitioning.status.time;
    const minutes = since === undefined ? undefined : Math.floor((now.getTime() - since.getTime()) / 60000);
    // Without a timestamp the instance view cannot show progress: a transition with no time is treated as stuck.
    if (minutes === undefined || minutes * 60000 >= stuckTransitionInMs) {
      const age = minutes === undefined ? text('', '') : text(` for ${minutes} min`, ` od ${minutes} min`);
      return fail(
        id,
        text(
          `The backup extension is stuck${age.en}: ${transitioning.source}: ${describeStatus(transitioning.status)}.`,
          `Rozszerzenie kopii zapasowej utknęło${age.pl}: ${transitioning.source}: ${describeStatus(transitioning.status)}.`,
        ),
      );
    }
    return unknown(
      id,
      text(
        `The backup extension has been changing state for ${minutes} min (${describeStatus(transitioning.status)}); check again in a few minutes.`,
        `Rozszerzenie kopii zapasowej zmienia stan od ${minutes} min (${describeStatus(transitioning.status)}); sprawdź ponownie za kilka minut.`,
      ),
    );
  }
  const notReady = observed.find((o) => statusHealth(o.status) === 'not-ready');
  if (notReady !== undefined) {
    return unknown(
      id,
      text(
        `The backup extension handler is not ready (${describeStatus(notReady.status)}), usually because the agent is not reporting.`,
        `Obsługa rozszerzenia kopii zapasowej nie jest gotowa (${describeStatus(notReady.status)}), zwykle dlatego, że agent nic nie zgłasza.`,
      ),
    );
  }
  const first = observed[0];
  return pass(id, text(`The backup extension is healthy: ${first?.source ?? ''}: ${first ? describeStatus(first.status) : ''}.`, `Rozszerzenie kopii zapasowej działa poprawnie: ${first?.source ?? ''}: ${first ? describeStatus(first.status) : ''}.`));
}
