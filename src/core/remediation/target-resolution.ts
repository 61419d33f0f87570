import type { AzurePort } from '../azure-port';
import { type AzureDeadline, withDeadline } from '../azure-lookup/azure-deadline';
import { describeMatches, findVm, type VmHint } from '../azure-lookup/find-vm';
import type { FixTarget } from './fix-target';

/** What a troubleshooting session knows about the VM (names only; an alert or a question filled it). */
export type TargetHint = VmHint;

export type TargetResolution =
  | { readonly ok: true; readonly target: FixTarget }
  | { readonly ok: false; readonly reason: 'no-vm' | 'not-found' | 'ambiguous' | 'azure-error' | 'timeout'; readonly detail?: string };

/**
 * A plan or request press is a Teams invoke (answer within about 10 s): finding the VM must leave
 * the plan's own reads time to run.
 */
export const defaultTargetBudgetMs = 6_000;

/**
 * Finds the VM a fix would run on, from the server-side session, never from card data: the same
 * lookup "Run checks" uses (src/core/azure-lookup/find-vm.ts), so a fix changes the VM the checks
 * examined. Under the caller's deadline, or its own when the press has none.
 */
export async function resolveFixTarget(azure: AzurePort, hint: TargetHint | undefined, deadline?: AzureDeadline): Promise<TargetResolution> {
  if (deadline === undefined) return withDeadline(defaultTargetBudgetMs, (own) => resolveFixTarget(azure, hint, own));
  const found = await findVm(azure, hint, deadline);
  switch (found.kind) {
    case 'found':
      return { ok: true, target: found.match.vault === undefined ? { vm: found.match.vm } : { vm: found.match.vm, vault: found.match.vault } };
    case 'no-vm':
      return { ok: false, reason: 'no-vm' };
    case 'not-found':
      return { ok: false, reason: 'not-found' };
    case 'ambiguous':
      return { ok: false, reason: 'ambiguous', detail: describeMatches(found.matches) };
    case 'azure-error':
      return { ok: false, reason: found.timedOut ? 'timeout' : 'azure-error', detail: found.error.message };
  }
}
