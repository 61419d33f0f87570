import type { AzurePort, ProtectedVm, VaultRef, VmRef } from '../../core/azure-port';
import { runChecks } from '../../core/checks/run-checks';
import { asCodedError } from '../../core/errors';
import { azureErrorText } from '../../core/checks/run-checks';
import type { LocalizedText } from '../../core/knowledge/schema';
import type { Clock, IdGenerator } from '../../core/ports';
import { type AtRiskVm, type FleetSweepResult, type NotScheduledVm, type SweepTrigger, type UncheckedVm, type VmFinding, backupScheduled, countByVault, judgeVm, orderAtRisk, vmKey } from '../../core/sweep/fleet-sweep-result';
import { sweepCheckIds } from '../../core/sweep/risk-causes';
import type { SweepStore } from '../../core/sweep/sweep-store';
import { isFleetReadPort } from '../../core/sweep/fleet-read-port';
import { type FleetReadsOptions, fleetReads } from './fleet-reads';
import type { ReadBudget } from './read-budget';
import type { Logger } from '../../logger';

/** The protected VMs a sweep looks at, and the vaults that could not be listed. */
export interface FleetInventory {
  readonly vms: readonly ProtectedVm[];
  /** What the inventory read for the whole fleet (Resource Graph): NSG rules by NIC, restore point collections, locks. */
  readonly fleetState?: FleetReadsOptions;
  readonly unreadableVaults: readonly { readonly vault: string; readonly evidence: LocalizedText }[];
}

/** Where the inventory comes from: the vault list calls by default; Resource Graph at fleet scale. */
export type InventorySource = () => Promise<FleetInventory>;

export interface FleetSweepDeps {
  readonly azure: AzurePort;
  readonly inventory: InventorySource;
  readonly store: SweepStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly logger: Logger;
  /** VMs checked at once: bounds the reads in flight so a sweep never starves the interactive turns. Default 8. */
  readonly concurrency?: number;
  /** Per check. Default 8000. */
  readonly checkTimeoutInMs?: number;
  /** Paces the sweep by the reads ARM says are left (x-ms-ratelimit-remaining-subscription-reads, 429 Retry-After). */
  readonly budget?: ReadBudget;
}

/** The reads of one sweep: shared across its VMs where the port offers the fleet's shared reads. */
function sweepReads(azure: AzurePort, inventory: FleetInventory): AzurePort {
  return isFleetReadPort(azure) ? fleetReads(azure, azure, inventory.fleetState ?? {}) : azure;
}

/**
 * The fleet health sweep, for every channel and the schedule alike: every protected VM of the
 * inventory gets the read-only checks that need no guest access (agent, VMSnapshot extension,
 * rules to Storage 443, restore points and their locks, power state), and the VMs at risk are
 * filed by cause with the evidence line the checks wrote. The result is stored before it is
 * returned, so a digest's buttons can always reload it.
 */
export class FleetSweep {
  private running: Promise<FleetSweepResult> | undefined;

  constructor(private readonly deps: FleetSweepDeps) {}

  /** Runs a sweep; a second call while one runs shares it instead of reading the fleet twice. */
  run(trigger: SweepTrigger = 'command'): Promise<FleetSweepResult> {
    if (this.running) return this.running;
    const run = this.sweep(trigger).finally(() => {
      this.running = undefined;
    });
    this.running = run;
    return run;
  }

  /** One VM again (after a fix): its checks and its protected item as the vault reports it now. */
  async recheck(vm: VmRef, vault: VaultRef): Promise<VmFinding | undefined> {
    const item = (await this.deps.azure.listProtectedVms(vault)).find((p) => vmKey(p.vm) === vmKey(vm));
    if (!item) return undefined;
    const results = await runChecks(sweepCheckIds, { vm, vault }, this.deps.azure, { allowReadOnlyRunCommand: false, clock: this.deps.clock, ...(this.deps.checkTimeoutInMs !== undefined ? { timeoutInMs: this.deps.checkTimeoutInMs } : {}) });
    return judgeVm(results, item);
  }

  private async sweep(trigger: SweepTrigger): Promise<FleetSweepResult> {
    const { deps } = this;
    const startedAt = deps.clock.now();
    const inventory = await deps.inventory();
    const azure = sweepReads(deps.azure, inventory);
    const atRisk: AtRiskVm[] = [];
    const unchecked: UncheckedVm[] = [];
    // A VM whose backup was stopped (or paused) has no backup tonight to fail: named apart, not swept.
    const scheduled = inventory.vms.filter(backupScheduled);
    const notScheduled: NotScheduledVm[] = inventory.vms.filter((item) => !backupScheduled(item)).map((item) => ({ vm: item.vm, vault: item.vault, protectionState: item.protectionState ?? '' }));
    await forEachLimited(scheduled, deps.concurrency ?? 8, async (item) => {
      const target = { vm: item.vm, vault: item.vault };
      await deps.budget?.beforeRead();
      const results = await runChecks(sweepCheckIds, target, azure, {
        allowReadOnlyRunCommand: false,
        clock: deps.clock,
        ...(deps.checkTimeoutInMs !== undefined ? { timeoutInMs: deps.checkTimeoutInMs } : {}),
      });
      const finding = judgeVm(results, item);
      if (finding.kind === 'at-risk') atRisk.push({ ...target, cause: finding.cause, evidence: finding.evidence });
      else if (finding.kind === 'unchecked') unchecked.push({ ...target, evidence: finding.evidence });
    });
    const result: FleetSweepResult = {
      id: deps.ids.next(),
      trigger,
      startedAt: startedAt.toISOString(),
      finishedAt: deps.clock.now().toISOString(),
      total: scheduled.length,
      vaultTotals: countByVault(scheduled),
      atRisk: orderAtRisk(atRisk),
      unchecked: [...unchecked].sort((a, b) => vmKey(a.vm).localeCompare(vmKey(b.vm))),
      unreadableVaults: inventory.unreadableVaults,
      ...(notScheduled.length > 0 ? { notScheduled } : {}),
    };
    await deps.store.save(result);
    deps.logger.info({ sweepId: result.id, total: result.total, atRisk: result.atRisk.length, unchecked: result.unchecked.length }, 'fleet sweep finished');
    return result;
  }
}

/**
 * The inventory through the vault APIs: the watched vaults (or every vault the identity sees),
 * then each vault's protected VMs. A VM protected by two vaults is swept once.
 */
export function vaultInventory(azure: AzurePort, watched: readonly VaultRef[]): InventorySource {
  return async () => {
    const vaults = watched.length > 0 ? watched : await azure.listVaults();
    const unreadableVaults: { vault: string; evidence: LocalizedText }[] = [];
    const seen = new Set<string>();
    const vms: ProtectedVm[] = [];
    await forEachLimited(vaults, 4, async (vault) => {
      try {
        for (const item of await azure.listProtectedVms(vault)) {
          const key = vmKey(item.vm);
          if (seen.has(key)) continue;
          seen.add(key);
          vms.push(item);
        }
      } catch (error) {
        unreadableVaults.push({ vault: vault.name, evidence: azureErrorText(asCodedError(error)) });
      }
    });
    return { vms: vms.sort((a, b) => vmKey(a.vm).localeCompare(vmKey(b.vm))), unreadableVaults };
  };
}

/**
 * The inventory from one cross-subscription listing (Azure Resource Graph): every protected VM,
 * or only those of the watched vaults when WATCHED_VAULTS names some. A VM protected twice is swept
 * once. With `fleetState`, the NSG rules, collections and locks of the whole fleet come from it too.
 *
 * Resource Graph answers a scope the identity may not read with no rows, not a 403, so a watched
 * vault it returned nothing for is asked directly (`vaultItems`): its VMs if it has some (the
 * graph lags behind a new item, or lacks the subscription's Reader), nothing if it protects none,
 * and the vault named as unreadable, with Azure's reason, if the vault API refuses too.
 */
export function listedInventory(
  list: () => Promise<readonly ProtectedVm[]>,
  watched: readonly VaultRef[],
  fleetState?: () => Promise<FleetReadsOptions>,
  vaultItems?: (vault: VaultRef) => Promise<readonly ProtectedVm[]>,
): InventorySource {
  const vaultKey = (v: VaultRef): string => `${v.subscriptionId}/${v.resourceGroup}/${v.name}`.toLowerCase();
  const watchedKeys = new Set(watched.map(vaultKey));
  return async () => {
    const seen = new Set<string>();
    const [listed, state] = await Promise.all([list(), fleetState?.()]);
    const keep = (item: ProtectedVm): boolean => {
      const key = vmKey(item.vm);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    };
    const vms = listed.filter((item) => (watchedKeys.size === 0 || watchedKeys.has(vaultKey(item.vault))) && keep(item));
    const listedVaults = new Set(listed.map((item) => vaultKey(item.vault)));
    const unreadableVaults: { vault: string; evidence: LocalizedText }[] = [];
    const missing = vaultItems ? watched.filter((vault) => !listedVaults.has(vaultKey(vault))) : [];
    await forEachLimited(missing, 4, async (vault) => {
      try {
        for (const item of await (vaultItems as NonNullable<typeof vaultItems>)(vault)) if (keep(item)) vms.push(item);
      } catch (error) {
        unreadableVaults.push({ vault: vault.name, evidence: azureErrorText(asCodedError(error)) });
      }
    });
    return { vms: vms.sort((a, b) => vmKey(a.vm).localeCompare(vmKey(b.vm))), unreadableVaults, ...(state ? { fleetState: state } : {}) };
  };
}

/** Runs `work` on every item with at most `limit` at once. */
async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
