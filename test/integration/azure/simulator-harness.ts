import { resolve } from 'node:path';
import { LocalSimulatorCredential } from '../../../src/azure/credential';
import { SdkAzureGateway, type SdkAzureGatewayOptions } from '../../../src/azure/sdk-azure-gateway';
import { startArmSimulator, type ArmSimulator, type ArmSimulatorOptions } from '../../../dev/arm-simulator';
import type { VaultRef, VmRef } from '../../../src/core/azure-port';

export const DEFAULT_SCENARIO = resolve(__dirname, '../../../scenarios/default.json');
export const FABRIKAM_SCENARIO = resolve(__dirname, '../../fixtures/scenarios/fabrikam-two-subscriptions.json');

export const SUB = '00000000-0000-0000-0000-000000000001';
export const PROD_VAULT: VaultRef = { subscriptionId: SUB, resourceGroup: 'rg-backup', name: 'rsv-prod-weu' };

export function vmRef(resourceGroup: string, name: string, subscriptionId = SUB): VmRef {
  return { subscriptionId, resourceGroup, name };
}

/**
 * The two ways the simulator shapes ARM's answers where Azure itself answers either way; suites that
 * call long-running operations, effective rules or match regions run under both.
 */
export const ARM_ANSWER_SHAPES: ReadonlyArray<readonly [string, NonNullable<ArmSimulatorOptions['settings']>]> = [
  ['Azure-AsyncOperation, immediate effective rules, region names, protected item ids with the fabric', {}],
  [
    'Location-only operations on another host, 202 effective rules, display-name VM regions, protected item ids without the fabric',
    { lroShape: 'location-only', effectiveRulesShape: 'accepted', vmLocationStyle: 'display-name', protectedItemIdShape: 'without-fabric' },
  ],
];

export interface Harness {
  readonly sim: ArmSimulator;
  readonly gateway: SdkAzureGateway;
}

/** The simulator plus the real SDK clients pointed at it, with tiny retry and poll delays. */
export async function startHarness(
  options: Partial<ArmSimulatorOptions> = {},
  gatewayOptions: Partial<Omit<SdkAzureGatewayOptions, 'credential' | 'endpoint' | 'ca'>> = {},
): Promise<Harness> {
  const sim = await startArmSimulator({ scenario: DEFAULT_SCENARIO, ...options, settings: { jobCompletionDelayMs: 0, ...options.settings } });
  const gateway = new SdkAzureGateway({
    credential: new LocalSimulatorCredential(),
    endpoint: sim.endpoint,
    ca: sim.caPem,
    retry: { maxRetries: 2, retryDelayInMs: 1, maxRetryDelayInMs: 5 },
    lroPollIntervalInMs: 1,
    ...gatewayOptions,
  });
  return { sim, gateway };
}
