import type { TokenCredential } from '@azure/core-auth';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { BlobAuditLog } from './blob-audit-log';
import { StateContainer, createStateContainerClient } from './blob-container';
import { BlobFixRequestStore } from './blob-fix-request-store';
import { BlobLease } from './blob-lease';
import { BlobSessionStore } from './blob-session-store';

/** Everything STATE_STORE=blob puts in Azure Blob Storage, over one container client. */
export interface BlobState {
  readonly container: StateContainer;
  readonly sessions: BlobSessionStore;
  readonly fixRequests: BlobFixRequestStore;
  readonly audit: BlobAuditLog;
  /** Elects the one instance that runs the job poller. */
  readonly pollerLease: BlobLease;
}

export interface BlobStateOptions {
  readonly logger?: Logger;
  /** Default: DefaultAzureCredential with AZURE_MANAGED_IDENTITY_CLIENT_ID (unused with a connection string). */
  readonly credential?: TokenCredential;
  /** Lease timing; tests shorten it. */
  readonly lease?: { readonly durationSeconds?: number; readonly renewIntervalMs?: number; readonly acquireIntervalMs?: number };
}

export function createBlobState(config: Config, options: BlobStateOptions = {}): BlobState {
  const client = createStateContainerClient(
    {
      accountUrl: config.state.blobAccountUrl,
      container: config.state.blobContainer,
      connectionString: config.state.blobConnectionString,
      managedIdentityClientId: config.azure.managedIdentityClientId,
    },
    options.credential,
  );
  const container = new StateContainer(client);
  return {
    container,
    sessions: new BlobSessionStore(container),
    fixRequests: new BlobFixRequestStore(container),
    audit: new BlobAuditLog(container),
    pollerLease: new BlobLease(container, { name: 'job-poller', durationSeconds: config.state.leaseSeconds, ...options.lease, ...(options.logger ? { logger: options.logger } : {}) }),
  };
}
