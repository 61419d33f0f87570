import type { CallOptions, EffectiveSecurityRule } from '../azure-port';

/** A restore point collection as a subscription's list shows it: no restore points, so no count. */
export interface ListedRestorePointCollection {
  readonly id: string;
  readonly name: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly location?: string;
  readonly sourceVmId?: string;
}

/**
 * The reads a fleet sweep shares across VMs, beside AzurePort: one list of a subscription's
 * restore point collections for all its VMs, a collection's count on its own, and a NIC's
 * effective rules without reading the VM again (the instance view already named its NICs).
 */
export interface FleetReadPort {
  listSubscriptionRestorePointCollections(subscriptionId: string, options?: CallOptions): Promise<ListedRestorePointCollection[]>;
  getRestorePointCount(collection: Pick<ListedRestorePointCollection, 'subscriptionId' | 'resourceGroup' | 'name'>, options?: CallOptions): Promise<number>;
  listNicEffectiveSecurityRules(nicIds: readonly string[], options?: CallOptions): Promise<EffectiveSecurityRule[]>;
}

/** Whether an AzurePort also offers the fleet's shared reads (the SDK gateway does). */
export function isFleetReadPort(value: object): value is FleetReadPort {
  const port = value as Partial<FleetReadPort>;
  return typeof port.listSubscriptionRestorePointCollections === 'function' && typeof port.getRestorePointCount === 'function' && typeof port.listNicEffectiveSecurityRules === 'function';
}
