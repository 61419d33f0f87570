import type { VaultRef } from '../../core/azure-port';
import type { SharedSubscriptionStore } from '../../core/incidents/ports';
import type { Subscription } from '../../core/incidents/subscription';
import type { SweepStore } from '../../core/sweep/sweep-store';

/** What the digest needs of the subscriptions: every one where the store can list them (SQLite), else the shared query. */
export interface SubscriptionSource {
  readonly all?: () => readonly Subscription[];
  readonly shared: Pick<SharedSubscriptionStore, 'listMatching'>;
}

/**
 * The conversations that get the scheduled digest: every subscribed conversation. A store that
 * cannot list everything (Azure Tables is queried by scope) is asked per vault the fleet is
 * known to have (the watched vaults and every vault the last sweep saw), which finds every
 * subscription to all vaults, to one of those vaults or to their Azure subscriptions.
 */
export function subscribedConversations(source: SubscriptionSource, watchedVaults: readonly VaultRef[], store: Pick<SweepStore, 'latest'>): () => Promise<readonly Subscription[]> {
  return async () => {
    if (source.all) return source.all();
    const latest = await store.latest();
    const vaults = new Map<string, VaultRef>();
    // Every vault the last sweep saw (a vault of healthy VMs too), else those it found VMs at risk in (a sweep stored before vault totals).
    const swept = latest?.vaultTotals?.map((t) => t.vault) ?? latest?.atRisk.map((a) => a.vault) ?? [];
    for (const v of [...watchedVaults, ...swept]) vaults.set(`${v.subscriptionId}/${v.name}`.toLowerCase(), v);
    // With no vault known yet, the "all vaults" subscriptions still match any name.
    if (vaults.size === 0) vaults.set('', { subscriptionId: '', resourceGroup: '', name: '' });
    const found = await Promise.all([...vaults.values()].map((v) => source.shared.listMatching({ name: v.name, ...(v.subscriptionId ? { subscriptionId: v.subscriptionId } : {}) })));
    return found.flat();
  };
}
