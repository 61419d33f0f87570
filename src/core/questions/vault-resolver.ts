import type { AzurePort, VaultRef } from '../azure-port';
import type { Clock } from '../ports';
import type { AzureDeadline } from '../azure-lookup/azure-deadline';

export function sameVault(a: VaultRef, b: VaultRef): boolean {
  return a.subscriptionId.toLowerCase() === b.subscriptionId.toLowerCase() && a.resourceGroup.toLowerCase() === b.resourceGroup.toLowerCase() && a.name.toLowerCase() === b.name.toLowerCase();
}

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
  private cached: { at: number; vaults: readonly VaultRef[] } | undefined;

  constructor(
    private readonly azure: AzurePort,
    private readonly clock: Clock,
    private readonly options: VaultResolverOptions,
  ) {}

  get isConfigured(): boolean {
    return this.options.watched.length > 0;
  }

  async vaults(deadline: AzureDeadline): Promise<readonly VaultRef[]> {
    if (this.options.watched.length > 0) return this.options.watched;
    const now = this.clock.now().getTime();
    if (this.cached && now - this.cached.at < (this.options.cacheMs ?? 5 * 60_000)) return this.cached.vaults;
    const vaults = await deadline.run((abortSignal) => this.azure.listVaults({ abortSignal }));
    this.cached = { at: now, vaults };
    return vaults;
  }

  /** The vaults with this name (case-insensitive; one per subscription at most, in practice one). */
  async byName(name: string, deadline: AzureDeadline): Promise<readonly VaultRef[]> {
    const wanted = name.toLowerCase();
    return (await this.vaults(deadline)).filter((v) => v.name.toLowerCase() === wanted);
  }
}
