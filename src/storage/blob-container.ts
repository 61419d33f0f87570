import { randomUUID } from 'node:crypto';
import type { TokenCredential } from '@azure/core-auth';
import { type BlobItem, BlobServiceClient, type ContainerClient, RestError } from '@azure/storage-blob';
import { createAzureCredential } from '../azure/credential';
import { CodedError } from '../core/errors';

/**
 * The one Azure Blob Storage container that holds the bot's scale-out state (STATE_STORE=blob).
 *
 * Production: the account URL (STATE_BLOB_ACCOUNT_URL) with the managed identity through
 * DefaultAzureCredential; the deployment template disables shared keys on that account and
 * grants the identity Storage Blob Data Contributor. Locally and in tests: a connection string
 * (STATE_BLOB_CONNECTION_STRING), normally Azurite's well-known development account.
 *
 * The stores use `@azure/storage-blob` directly rather than botbuilder's BlobsStorage: that
 * `Storage` cannot create-only (an eTag of '*' or '' writes unconditionally, so two instances
 * creating the same id would silently overwrite each other), cannot list (audit, fix requests
 * by state), reports a lost compare-and-swap only as an Error message to match on, and
 * rewrites keys (sanitizeBlobKey), so its blobs could not be listed by prefix anyway.
 */
export interface BlobStateSettings {
  /** e.g. https://<account>.blob.core.windows.net/ (used with a TokenCredential). */
  readonly accountUrl?: string | undefined;
  readonly container: string;
  /** Azurite / shared-key connection string; wins over the URL when both are set. */
  readonly connectionString?: string | undefined;
  /** User-assigned managed identity to sign in with (AZURE_MANAGED_IDENTITY_CLIENT_ID). */
  readonly managedIdentityClientId?: string | undefined;
}

export function createStateContainerClient(settings: BlobStateSettings, credential?: TokenCredential): ContainerClient {
  if (settings.connectionString) {
    try {
      return BlobServiceClient.fromConnectionString(settings.connectionString).getContainerClient(settings.container);
    } catch (error) {
      // The SDK's own message never repeats the string (it holds the account key), and names no setting.
      throw new CodedError('config_invalid', `STATE_BLOB_CONNECTION_STRING is not a storage connection string: ${(error as Error).message}`, { setting: 'STATE_BLOB_CONNECTION_STRING' });
    }
  }
  if (!settings.accountUrl) {
    throw new CodedError('config_invalid', 'STATE_STORE=blob needs STATE_BLOB_ACCOUNT_URL (managed identity) or STATE_BLOB_CONNECTION_STRING', { setting: 'STATE_BLOB_ACCOUNT_URL' });
  }
  const identity = credential ?? createAzureCredential(settings.managedIdentityClientId ? { managedIdentityClientId: settings.managedIdentityClientId } : {});
  return new BlobServiceClient(settings.accountUrl, identity).getContainerClient(settings.container);
}

/** A JSON document read with the ETag that a later conditional write must match. */
export interface StoredJson<T> {
  readonly body: T;
  readonly etag: string;
  /** When the storage service last wrote the blob, by its own clock. */
  readonly lastModified?: Date | undefined;
  /** The storage service's clock when it answered the read (its Date header): compared with lastModified, no instance's clock enters. */
  readonly readAt?: Date | undefined;
}

/**
 * Blob metadata naming the one logical write that produced the blob. The SDK retries a write
 * whose answer was lost (a dropped connection, a timeout); when the first try had landed, the
 * retry is refused by its own condition (409 for create-only, 412 for If-Match). The write id
 * tells that apart from another writer's blob exactly, where comparing bodies could not.
 */
const WRITE_ID = 'writeid';

export type WriteCondition = { readonly ifNoneMatch: '*' } | { readonly ifMatch: string };

/** The HTTP status of a storage error (RestError from the SDK), matched by shape: jest may load it in another realm. */
export function storageStatus(error: unknown): number | undefined {
  if (error instanceof RestError) return error.statusCode;
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * A thin JSON layer over the container with the two primitives every decisive write needs:
 * create-only (`If-None-Match: *`) and replace-if-unchanged (`If-Match: <etag>`). A lost
 * condition is a normal outcome (undefined), not an exception; anything else is thrown.
 */
export class StateContainer {
  private created: Promise<unknown> | undefined;

  constructor(readonly client: ContainerClient) {}

  /** Creates the container on first use (the deployment template creates it in Azure; Azurite starts empty). */
  ready(): Promise<void> {
    this.created ??= this.client.createIfNotExists().catch((error: unknown) => {
      this.created = undefined;
      throw error;
    });
    return this.created.then(() => undefined);
  }

  async readJson<T>(name: string): Promise<StoredJson<T> | undefined> {
    await this.ready();
    try {
      const response = await this.client.getBlobClient(name).download();
      const text = await streamToText(response.readableStreamBody);
      if (!response.etag) throw new Error(`blob ${name} came back without an ETag`);
      return { body: JSON.parse(text) as T, etag: response.etag, lastModified: response.lastModified, readAt: response.date };
    } catch (error) {
      if (storageStatus(error) === 404) return undefined;
      throw error;
    }
  }

  /**
   * Writes `body` as JSON if `condition` holds; returns the new ETag, or undefined when the
   * condition failed (409 BlobAlreadyExists for create-only, 412 ConditionNotMet for If-Match).
   * A refusal of this very write's retry (its first try landed, its answer was lost) is the
   * write landing: the blob's write id says so, and its ETag is returned.
   */
  async writeJson(name: string, body: unknown, condition: WriteCondition, metadata: Record<string, string> = {}): Promise<string | undefined> {
    await this.ready();
    const text = JSON.stringify(body);
    const writeId = randomUUID();
    try {
      const response = await this.client.getBlockBlobClient(name).upload(text, Buffer.byteLength(text), {
        conditions: condition,
        metadata: { ...metadata, [WRITE_ID]: writeId },
        blobHTTPHeaders: { blobContentType: 'application/json' },
      });
      return response.etag;
    } catch (error) {
      const status = storageStatus(error);
      if (status === 409 || status === 412) return this.etagIfWrittenBy(name, writeId);
      throw error;
    }
  }

  /** The blob's ETag if the write `writeId` is what it holds now; undefined if another write is (or none). */
  private async etagIfWrittenBy(name: string, writeId: string): Promise<string | undefined> {
    try {
      const properties = await this.client.getBlobClient(name).getProperties();
      return properties.metadata?.[WRITE_ID] === writeId ? properties.etag : undefined;
    } catch (error) {
      if (storageStatus(error) === 404) return undefined;
      throw error;
    }
  }

  /** Blobs under a prefix, in name order, with their metadata. */
  async *list(prefix: string): AsyncIterableIterator<BlobItem> {
    await this.ready();
    yield* this.client.listBlobsFlat({ prefix, includeMetadata: true });
  }
}

async function streamToText(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!stream) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Blob names carry ids verbatim but safely: no '/', so an id can never reach another prefix. */
export function blobKey(id: string): string {
  return encodeURIComponent(id);
}

/** Metadata values must be ASCII header values. */
export function metadataValue(value: string): string {
  return encodeURIComponent(value);
}

export function fromMetadataValue(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Runs `work` over `items` with at most `limit` in flight, keeping the input order. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
