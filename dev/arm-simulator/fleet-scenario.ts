import type { ScenarioInput } from './scenario';

/** The causes a generated fleet's at-risk VMs carry, in turn; each is what one sweep cause finds. */
export const fleetRiskKinds = ['agent-not-ready', 'linux-agent-old', 'extension-failed', 'storage-denied', 'stopped-in-guest', 'restore-points-full', 'restore-points-locked'] as const;
export type FleetRiskKind = (typeof fleetRiskKinds)[number];

export interface FleetScenarioOptions {
  /** Protected VMs in all. */
  readonly vms: number;
  readonly subscriptions: number;
  /** Share of the VMs at risk, 0 to 100; they cycle through fleetRiskKinds. */
  readonly atRiskPercent: number;
  /** Rows per page of list calls (ARM lists and Resource Graph). Default 1000. */
  readonly pageSize?: number;
}

/** What a generated VM is: its name and, when at risk, why. */
export interface FleetVmPlan {
  readonly subscriptionId: string;
  readonly name: string;
  readonly risk?: FleetRiskKind;
}

const storageDeny = {
  name: 'deny-storage-outbound',
  direction: 'Outbound' as const,
  access: 'Deny' as const,
  priority: 100,
  protocol: 'Tcp' as const,
  destinationAddressPrefix: 'Storage',
  destinationPortRange: '443',
  expandedDestinationAddressPrefix: ['20.38.96.0/19', '20.150.0.0/17'],
};

function subscriptionId(i: number): string {
  return `00000000-0000-0000-0000-${String(i + 1).padStart(12, '0')}`;
}

/** Which VMs a fleet has and which are at risk: evenly spread over the subscriptions, the at-risk ones spread over the fleet. */
export function planFleet(options: FleetScenarioOptions): FleetVmPlan[] {
  const atRisk = Math.round((options.vms * options.atRiskPercent) / 100);
  const riskAt = new Map<number, FleetRiskKind>();
  for (let k = 0; k < atRisk; k += 1) riskAt.set(Math.floor((k * options.vms) / atRisk), fleetRiskKinds[k % fleetRiskKinds.length] as FleetRiskKind);
  return Array.from({ length: options.vms }, (_, i) => {
    const risk = riskAt.get(i);
    return { subscriptionId: subscriptionId(i % options.subscriptions), name: `vm-${String(i).padStart(6, '0')}`, ...(risk ? { risk } : {}) };
  });
}

/**
 * A generated estate for the fleet benchmark and tests: N protected VMs over several
 * subscriptions (one vault each), some share of them at risk, each at-risk VM broken in the one
 * way its kind says, every VM with one NIC and one restore point collection.
 */
export function fleetScenario(options: FleetScenarioOptions): ScenarioInput {
  const plan = planFleet(options);
  const subscriptions = Array.from({ length: options.subscriptions }, (_, s) => {
    const id = subscriptionId(s);
    const own = plan.filter((p) => p.subscriptionId === id);
    const vm = (p: FleetVmPlan) => {
      const linux = p.risk === 'linux-agent-old' || p.risk === 'stopped-in-guest' || (p.risk === undefined && Number(p.name.slice(3)) % 3 === 0);
      return {
        name: p.name,
        osType: linux ? ('Linux' as const) : ('Windows' as const),
        ...(p.risk === 'stopped-in-guest' ? { powerState: 'stopped' as const } : {}),
        agent: {
          status: p.risk === 'agent-not-ready' ? ('NotReady' as const) : ('Ready' as const),
          version: p.risk === 'linux-agent-old' ? '2.2.45' : linux ? '2.10.0.8' : '2.7.41491.1102',
        },
        extensions: [
          {
            name: linux ? 'VMSnapshotLinux' : 'VMSnapshot',
            type: `Microsoft.Azure.RecoveryServices.${linux ? 'VMSnapshotLinux' : 'VMSnapshot'}`,
            typeHandlerVersion: '1.0.9225.0',
            status: p.risk === 'extension-failed' ? ('failed' as const) : ('succeeded' as const),
            ...(p.risk === 'extension-failed' ? { message: 'Plugin failed to load.' } : {}),
          },
        ],
        nics: [{ name: `${p.name}-nic`, networkSecurityGroup: `${p.name}-nsg`, effectiveRules: p.risk === 'storage-denied' ? [storageDeny] : [] }],
      };
    };
    const collection = (p: FleetVmPlan) => ({ name: `AzureBackup_${p.name}_1`, sourceVm: p.name, restorePointCount: p.risk === 'restore-points-full' ? 18 : 3 });
    return {
      id,
      displayName: `Fleet subscription ${s + 1}`,
      resourceGroups: [
        {
          name: 'rg-backup',
          vaults: [{ name: `rsv-fleet-${s + 1}`, protectedItems: own.map((p) => ({ vm: p.name, vmResourceGroup: 'rg-fleet', lastBackupStatus: 'Completed', lastBackupTime: 'now-20h' })) }],
        },
        { name: 'rg-fleet', virtualMachines: own.map(vm) },
        { name: 'AzureBackupRG_westeurope_1', restorePointCollections: own.filter((p) => p.risk !== 'restore-points-locked').map(collection) },
        {
          name: 'AzureBackupRG_westeurope_2',
          locks: [{ name: 'rg-do-not-delete', level: 'CanNotDelete' as const }],
          restorePointCollections: own.filter((p) => p.risk === 'restore-points-locked').map(collection),
        },
      ],
    };
  });
  return { name: `fleet-${options.vms}`, description: `${options.vms} protected VMs over ${options.subscriptions} subscriptions, ${options.atRiskPercent}% at risk (generated)`, settings: { pageSize: options.pageSize ?? 1000, jobCompletionDelayMs: 0 }, subscriptions };
}
