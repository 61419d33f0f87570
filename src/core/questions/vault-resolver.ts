import type { AzurePort, VaultRef } from '../azure-port';
import type { Clock } from '../ports';
import type { AzureDeadline } from '../azure-lookup/azure-deadline';

export function sameVault(a: VaultRef, b: VaultRef): boolean {
  return a.subscriptionId.toLowerCase() === b.subscriptionId.toLowerCase() && a.resourceGroup.toLowerCase() === b.resourceGroup.toLowerCase() && a.name.toLowerCase() === b.name.toLowerCase();
}

/** A subscription whose vaults could not be listed, and Azure's answer. */
export interface UnreadableSubscription {
  readonly subscriptionId: string;
  readonly error: unknown;
}

const partialListingMs = 30_000;

export interface VaultResolverOptions {
  /** WATCHED_VAULTS as parsed by src/config.ts; empty means every vault the identity can see. */
  readonly watched: readonly VaultRef[];
  /** How long a listVaults() answer is reused. */
  readonly cacheMs?: number;
}

/**
 * The vaults questions look in: the configured list, or every vault the bot's identity can
 * see (listVaults, remembered for a few minutes so each question does not pay for it).
 */
export class VaultResolver {
  private cached: { at: number; vaults: readonly VaultRef[]; unreadable: readonly UnreadableSubscription[] } | undefined;

  constructor(
    private readonly azure: AzurePort,
    private readonly clock: Clock,
    private readonly options: VaultResolverOptions,
  ) {}

  get isConfigured(): boolean {
    return this.options.watched.length > 0;
  }

  async vaults(deadline: AzureDeadline): Promise<readonly VaultRef[]> {
    return (await this.listing(deadline)).vaults;
  }

  /** The vaults, and the subscriptions whose vaults could not be listed while others could (the answer says so). */
  async listing(deadline: AzureDeadline): Promise<{ readonly vaults: readonly VaultRef[]; readonly unreadable: readonly UnreadableSubscription[] }> {
    if (this.options.watched.length > 0) return { vaults: this.options.watched, unreadable: [] };
    const now = this.clock.now().getTime();
    // A listing that missed a subscription is kept briefly: the role may be granted, the outage may end.
    const keepMs = this.cached?.unreadable.length ? partialListingMs : (this.options.cacheMs ?? 5 * 60_000);
    if (this.cached && now - this.cached.at < keepMs) return this.cached;
    const unreadable: UnreadableSubscription[] = [];
    const vaults = await deadline.run((abortSignal) => this.azure.listVaults({ abortSignal, onUnreadableSubscription: (subscriptionId, error) => unreadable.push({ subscriptionId, error }) }));
    this.cached = { at: now, vaults, unreadable };
    return this.cached;
  }

  /** The vaults with this name (case-insensitive; one per subscription at most, in practice one). */
  async byName(name: string, deadline: AzureDeadline): Promise<readonly VaultRef[]> {
    const wanted = name.toLowerCase();
    return (await this.vaults(deadline)).filter((v) => v.name.toLowerCase() === wanted);
  }
}
