import { readFileSync } from 'node:fs';
import { type Config, isLoopbackHost } from '../config';
import type { AzurePort } from '../core/azure-port';
import { CodedError } from '../core/errors';
import type { BackupJobLogs } from '../core/incidents/log-search-alert';
import { LocalSimulatorCredential, createAzureCredential } from './credential';
import type { TokenCredential } from '@azure/core-auth';
import { LogAnalyticsJobLogs } from './log-analytics-job-logs';
import { ResourceGraphInventory } from './resource-graph-inventory';
import { SdkAzureGateway, type SdkAzureGatewayOptions } from './sdk-azure-gateway';

/**
 * The bot's door to Azure, as configured:
 * - production: public Azure (or AZURE_ENDPOINT) with DefaultAzureCredential / the managed identity;
 * - local mode with AZURE_ENDPOINT (the demo's ARM simulator): a static token, trusted via AZURE_CA_FILE;
 * - local mode without an endpoint: no Azure; features that need it say so instead of failing.
 */
export function createAzurePortFromConfig(config: Config, options: Pick<SdkAzureGatewayOptions, 'onResponse'> = {}): AzurePort | undefined {
  const settings = azureClientSettings(config);
  if (!settings) return undefined;
  return new SdkAzureGateway({
    ...settings.client,
    ...options,
    ...(config.azure.subscriptionIds.length > 0 ? { subscriptionIds: config.azure.subscriptionIds } : {}),
    // Locally the simulator finishes operations in milliseconds; Azure wants a gentler poll.
    lroPollIntervalInMs: settings.simulator ? 50 : 2000,
  });
}

/** The fleet sweep's inventory (Azure Resource Graph) with the same identity and endpoint as the gateway. */
export function createResourceGraphInventoryFromConfig(config: Config): ResourceGraphInventory | undefined {
  const settings = azureClientSettings(config);
  return settings ? new ResourceGraphInventory(settings.client) : undefined;
}

function azureClientSettings(config: Config): { client: { credential: TokenCredential; endpoint?: string; ca?: Buffer }; simulator: boolean } | undefined {
  const { endpoint } = config.azure;
  if (config.mode === 'local' && endpoint === undefined) return undefined;
  const ca = readCaFile(config);
  // Local mode is anonymous: it may only ever reach the simulator on this machine, never real Azure with
  // the machine's real credentials (parseConfig refuses this too; a Config built another way is checked here).
  if (config.mode === 'local' && endpoint !== undefined) refuseRemoteInLocalMode(endpoint, 'AZURE_ENDPOINT');
  return { client: { credential: credentialFor(config), ...(endpoint ? { endpoint } : {}), ...(ca ? { ca } : {}) }, simulator: config.mode === 'local' };
}

function readCaFile(config: Config): Buffer | undefined {
  const { caFile } = config.azure;
  if (caFile === undefined) return undefined;
  try {
    return readFileSync(caFile);
  } catch (error) {
    throw new CodedError('config_invalid', `AZURE_CA_FILE: cannot read ${caFile}`, { setting: 'AZURE_CA_FILE' }, { cause: error });
  }
}

function refuseRemoteInLocalMode(endpoint: string, setting: string): void {
  if (!isLoopbackHost(new URL(endpoint).hostname)) {
    throw new CodedError('config_invalid', `${setting}=${endpoint} is refused in local mode: only a simulator on this machine (loopback) is allowed.`, { setting });
  }
}

// The simulator only ever runs on this machine; a static token must never be sent anywhere else.
function credentialFor(config: Config): TokenCredential {
  const { managedIdentityClientId } = config.azure;
  return config.mode === 'local' ? new LocalSimulatorCredential() : createAzureCredential(managedIdentityClientId ? { managedIdentityClientId } : {});
}

/**
 * The Log Analytics workspace log search alerts are answered from (LOG_ANALYTICS_WORKSPACE_ID), with
 * the same identity as ARM; locally the simulator (LOG_ANALYTICS_ENDPOINT, trusted via AZURE_CA_FILE).
 * Undefined without a workspace: such alerts then become one incident that says so.
 */
export function createBackupJobLogsFromConfig(config: Config): BackupJobLogs | undefined {
  const { workspaceId, endpoint, queryTimeoutSeconds } = config.azure.logAnalytics;
  if (workspaceId === undefined) return undefined;
  if (config.mode === 'local') refuseRemoteInLocalMode(endpoint, 'LOG_ANALYTICS_ENDPOINT');
  const ca = readCaFile(config);
  return new LogAnalyticsJobLogs({ credential: credentialFor(config), workspaceId, endpoint, ...(ca ? { ca } : {}), timeoutInMs: queryTimeoutSeconds * 1000 });
}
