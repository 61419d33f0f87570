import type { AcceptInput, AcceptOutcome } from '../../../src/core/incidents/accept-alert';
import type { SharedAlertLedger } from '../../../src/core/incidents/shared-alert-ledger';
import type { BackupAlert } from '../../../src/core/incidents/backup-alert';

/**
 * Alerts of one vault and code on a timeline counted in minutes, for the tests of how the stores
 * group alerts that arrive late: every alert is received at `receivedAt` (the tests' "now"), each
 * occurred at its own minute, a window of an hour.
 */
export const windowMs = 60 * 60_000;
export const code = 'UserErrorGuestAgentStatusUnavailable';

const t0 = new Date('2026-03-01T10:00:00Z');
export const at = (minutes: number): Date => new Date(t0.getTime() + minutes * 60_000);

export function alertTimeline(vault: string, receivedAtMinute: number): { readonly input: (vm: string, minutes: number) => AcceptInput; readonly clock: { now(): Date } } {
  return {
    input(vm, minutes) {
      const alert: BackupAlert = { source: 'minimal', condition: 'fired', vault: { name: vault, subscriptionId: 'sub-1' }, vm: { name: vm }, jobId: `job-${vm}`, codeHints: [], occurredAt: at(minutes) };
      return { alert, code, awaitJob: false, receivedAt: at(receivedAtMinute) };
    },
    clock: { now: () => at(receivedAtMinute) },
  };
}

/**
 * Two instances given the same alerts at once (the webhook on one, the poller on the other), each in
 * its own order: the first one by one, the second as one batch in reverse. Outcomes in each one's order.
 */
export async function acceptOnBoth(one: SharedAlertLedger, two: SharedAlertLedger, inputs: readonly AcceptInput[]): Promise<[AcceptOutcome[], AcceptOutcome[]]> {
  return Promise.all([
    (async () => {
      const out: AcceptOutcome[] = [];
      for (const i of inputs) out.push(await one.accept(i));
      return out;
    })(),
    two.acceptMany([...inputs].reverse()),
  ]);
}
