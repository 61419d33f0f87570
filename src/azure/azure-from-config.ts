import { readFileSync } from 'node:fs';
import { type Config, isLoopbackHost } from '../config';
import type { AzurePort } from '../core/azure-port';
import { CodedError } from '../core/errors';
import type { BackupJobLogs } from '../core/incidents/log-search-alert';
import { LocalSimulatorCredential, createAzureCredential } from './credential';
import { LogAnalyticsJobLogs } from './log-analytics-job-logs';
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
  // Local mode is anonymous: it may only ever reach the simulator on this machine, never real Azure with
  // the machine's real credentials (parseConfig refuses this too; a Config built another way is checked here).
  if (config.mode === 'local' && endpoint !== undefined && !isLoopbackHost(new URL(endpoint).hostname)) {
    throw new CodedError('config_invalid', `AZURE_ENDPOINT=${endpoint} is refused in local mode: only a simulator on this machine (loopback) is allowed.`, { setting: 'AZURE_ENDPOINT' });
  }
  // The simulator only ever runs on this machine; a static token must never be sent anywhere else.
  const simulator = config.mode === 'local';
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

/**
 * The Log Analytics workspace log search alerts are answered from (LOG_ANALYTICS_WORKSPACE_ID), with
 * the same identity as ARM; locally the simulator (LOG_ANALYTICS_ENDPOINT, trusted via AZURE_CA_FILE).
 * Undefined without a workspace: such alerts then become one incident that says so.
 */
export function createBackupJobLogsFromConfig(config: Config): BackupJobLogs | undefined {
  const { workspaceId, endpoint, queryTimeoutSeconds } = config.azure.logAnalytics;
  if (workspaceId === undefined) return undefined;
  const local = config.mode === 'local';
  if (local && !isLoopbackHost(new URL(endpoint).hostname)) {
    throw new CodedError('config_invalid', `LOG_ANALYTICS_ENDPOINT=${endpoint} is refused in local mode: only a simulator on this machine (loopback) is allowed.`, { setting: 'LOG_ANALYTICS_ENDPOINT' });
  }
  const { caFile, managedIdentityClientId } = config.azure;
  let ca: Buffer | undefined;
  try {
    ca = caFile !== undefined ? readFileSync(caFile) : undefined;
  } catch (error) {
    throw new CodedError('config_invalid', `AZURE_CA_FILE: cannot read ${caFile ?? ''}`, { setting: 'AZURE_CA_FILE' }, { cause: error });
  }
  const credential = local ? new LocalSimulatorCredential() : createAzureCredential(managedIdentityClientId ? { managedIdentityClientId } : {});
  return new LogAnalyticsJobLogs({ credential, workspaceId, endpoint, ...(ca ? { ca } : {}), timeoutInMs: queryTimeoutSeconds * 1000 });
}
