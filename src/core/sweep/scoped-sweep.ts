import type { Subscription } from '../incidents/subscription';
import { subscriptionMatches } from '../incidents/subscription';
import type { AtRiskVm, FleetSweepResult } from './fleet-sweep-result';

/**
 * The part of a sweep one conversation asked to hear about: a channel subscribed to one vault or
 * one Azure subscription gets a digest of those VMs only ("N of M" counted in its scope), as it
 * gets only those vaults' incidents. A conversation with an `all` subscription gets the whole fleet.
 */
export function scopedSweep(result: FleetSweepResult, subscriptions: readonly Pick<Subscription, 'scope'>[]): FleetSweepResult {
  if (subscriptions.some((s) => s.scope.kind === 'all')) return result;
  const inScope = (vault: { name: string; subscriptionId?: string }): boolean => subscriptions.some((s) => subscriptionMatches(s, vault));
  // A sweep stored before vault totals were kept counts its whole fleet: the best "M" it has.
  const total = result.vaultTotals ? result.vaultTotals.filter((t) => inScope(t.vault)).reduce((sum, t) => sum + t.vms, 0) : result.total;
  const positions = result.atRisk.map((_, index) => index).filter((index) => inScope((result.atRisk[index] as AtRiskVm).vault));
  return {
    ...result,
    total,
    atRisk: positions.map((index) => result.atRisk[index] as AtRiskVm),
    // The digest's buttons name rows of the stored (whole) sweep, not of this part of it.
    storedPositions: positions.map((index) => result.storedPositions?.[index] ?? index),
    unchecked: result.unchecked.filter((v) => inScope(v.vault)),
    // An unreadable vault is known by name only: shown wherever its name or an Azure subscription is the scope (it may be in it).
    unreadableVaults: result.unreadableVaults.filter((u) => subscriptions.some((s) => s.scope.kind === 'subscription' || inScope({ name: u.vault }))),
    ...(result.notScheduled ? { notScheduled: result.notScheduled.filter((v) => inScope(v.vault)) } : {}),
  };
}
