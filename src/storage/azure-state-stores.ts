import type { TokenCredential } from '@azure/core-auth';
import type { Config } from '../config';
import type { SharedStateStores } from '../core/incidents/ports';
import type { Clock } from '../core/ports';
import { type TableRequestObserver, type TableStateSettings, createStateTables } from './table-client';
import { TableAlertHistory } from './table-alert-history';
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
  /** Told of every request to the tables and how it ended (the /metrics counter). */
  readonly observe?: TableRequestObserver;
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

export interface AzureStateStores extends SharedStateStores {
  /** Retention of the alert path's records (the tables have no lifecycle rules of their own). */
  readonly history: TableAlertHistory;
}

/**
 * Every record of the alert path, and Slack's seen events, on Azure Table Storage: what
 * STATE_STORE=blob adds to the blob documents (sessions, fix requests, audit, the poller's
 * lease) so that any number of instances behave as one. Tables are created on first use.
 */
export function createAzureStateStores(settings: TableStateSettings, options: AzureStateStoresOptions): AzureStateStores {
  const tables = createStateTables(settings, options.credential, options.observe);
  const incidents = tables('incidents');
  const inbox = tables('inbox');
  const outbox = tables('outbox');
  return {
    incidents: new TableIncidentStore(incidents),
    inbox: new TableAlertInbox(inbox),
    outbox: new TableOutbox(outbox),
    history: new TableAlertHistory({ incidents, inbox, outbox }),
    subscriptions: new TableSubscriptionStore(tables('subscriptions')),
    watermarks: new TablePollerWatermark(tables('watermarks')),
    seenEvents: new TableSeenEvents(tables('slackevents'), options.clock),
  };
}

/** The fleet sweeps and digest messages on the same account's tables (STATE_STORE=blob). */
export function createAzureSweepStore(settings: TableStateSettings, options: Pick<AzureStateStoresOptions, 'credential'> = {}): SweepStore {
  return new TableSweepStore(createStateTables(settings, options.credential)('sweeps'));
}
