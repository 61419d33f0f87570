import { readFileSync } from 'node:fs';
import type { Config } from '../config';
import type { AzurePort } from '../core/azure-port';
import { CodedError } from '../core/errors';
import { LocalSimulatorCredential, createAzureCredential } from './credential';
import { SdkAzureGateway } from './sdk-azure-gateway';

/**
 * The bot's door to Azure, as configured:
 * - production: public Azure (or AZURE_ENDPOINT) with DefaultAzureCredential / the managed identity;
 * - local mode with AZURE_ENDPOINT (the demo's ARM simulator): a static token, trusted via AZURE_CA_FILE;
 * - local mode without an endpoint: no Azure; features that need it say so instead of failing.
 */
export function createAzurePortFromConfig(config: Config): AzurePort | undefined {
  const { endpoint, caFile, managedIdentityClientId, subscriptionIds } = config.azure;
  if (config.mode === 'local' && endpoint === undefined) return undefined;
  let ca: Buffer | undefined;
  if (caFile !== undefined) {
    try {
      ca = readFileSync(caFile);
    } catch (error) {
      throw new CodedError('config_invalid', `AZURE_CA_FILE: cannot read ${caFile}`, { setting: 'AZURE_CA_FILE' }, { cause: error });
    }
  }
  // The simulator only ever runs on this machine; a static token must never be sent anywhere else.
  const simulator = config.mode === 'local' && endpoint !== undefined && isLoopback(endpoint);
  const credential = simulator ? new LocalSimulatorCredential() : createAzureCredential(managedIdentityClientId ? { managedIdentityClientId } : {});
  return new SdkAzureGateway({
    credential,
    ...(endpoint ? { endpoint } : {}),
    ...(ca ? { ca } : {}),
    ...(subscriptionIds.length > 0 ? { subscriptionIds } : {}),
    // Locally the simulator finishes operations in milliseconds; Azure wants a gentler poll.
    lroPollIntervalInMs: simulator ? 50 : 2000,
  });
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}
