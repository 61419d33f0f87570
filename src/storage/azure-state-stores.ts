import type { TokenCredential } from '@azure/core-auth';
import type { Config } from '../config';
import type { SharedStateStores } from '../core/incidents/ports';
import type { Clock } from '../core/ports';
import { type TableStateSettings, createStateTables } from './table-client';
import { TableAlertInbox } from './table-alert-inbox';
import { TableIncidentStore } from './table-incident-store';
import { TableOutbox } from './table-outbox';
import { TablePollerWatermark } from './table-poller-watermark';
import { TableSeenEvents } from './table-seen-events';
import { TableSubscriptionStore } from './table-subscription-store';
import { TableSweepStore } from './table-sweep-store';
import type { SweepStore } from '../core/sweep/sweep-store';

export interface AzureStateStoresOptions {
  readonly clock: Clock;
  /** Default: DefaultAzureCredential with AZURE_MANAGED_IDENTITY_CLIENT_ID (unused with a connection string). */
  readonly credential?: TokenCredential;
}

/** The table settings STATE_STORE=blob implies: the blob connection string (Azurite's has a TableEndpoint) or the account's table URL. */
export function tableStateSettings(config: Config): TableStateSettings {
  return {
    accountUrl: config.state.tableAccountUrl,
    connectionString: config.state.blobConnectionString,
    tablePrefix: config.state.tablePrefix,
    managedIdentityClientId: config.azure.managedIdentityClientId,
  };
}

/**
 * Every record of the alert path, and Slack's seen events, on Azure Table Storage: what
 * STATE_STORE=blob adds to the blob documents (sessions, fix requests, audit, the poller's
 * lease) so that any number of instances behave as one. Tables are created on first use.
 */
export function createAzureStateStores(settings: TableStateSettings, options: AzureStateStoresOptions): SharedStateStores {
  const tables = createStateTables(settings, options.credential);
  return {
    incidents: new TableIncidentStore(tables('incidents')),
    inbox: new TableAlertInbox(tables('inbox')),
    outbox: new TableOutbox(tables('outbox')),
    subscriptions: new TableSubscriptionStore(tables('subscriptions')),
    watermarks: new TablePollerWatermark(tables('watermarks')),
    seenEvents: new TableSeenEvents(tables('slackevents'), options.clock),
  };
}

/** The fleet sweeps and digest messages on the same account's tables (STATE_STORE=blob). */
export function createAzureSweepStore(settings: TableStateSettings, options: Pick<AzureStateStoresOptions, 'credential'> = {}): SweepStore {
  return new TableSweepStore(createStateTables(settings, options.credential)('sweeps'));
}
