import { createHash, randomUUID } from 'node:crypto';
import type { TokenCredential } from '@azure/core-auth';
import { TableClient, type TableEntity, type TableEntityResult, type TransactionAction } from '@azure/data-tables';
import { createAzureCredential } from '../azure/credential';
import { CodedError } from '../core/errors';
import { storageStatus } from './blob-container';

/**
 * The Azure Table Storage tables that hold the alert path's shared state (STATE_STORE=blob).
 *
 * Production: the account's table endpoint (STATE_TABLE_ACCOUNT_URL, by default the blob
 * endpoint with `.table.` for `.blob.`) with the managed identity, which needs Storage Table
 * Data Contributor on the account. Locally and in tests: a connection string with a
 * TableEndpoint (Azurite's development account).
 */
export interface TableStateSettings {
  /** e.g. https://<account>.table.core.windows.net/ (used with a TokenCredential). */
  readonly accountUrl?: string | undefined;
  /** Shared-key connection string with a TableEndpoint; wins over the URL when both are set. */
  readonly connectionString?: string | undefined;
  /** Every table's name starts with it: letters and digits, so several bots can share an account. */
  readonly tablePrefix: string;
  readonly managedIdentityClientId?: string | undefined;
}

/** The kinds of record, one table each. */
export type StateTableKind = 'incidents' | 'inbox' | 'outbox' | 'subscriptions' | 'watermarks' | 'slackevents' | 'sweeps';

/** Opens the table of each kind (one client per table, created on first use). */
export type StateTables = (kind: StateTableKind) => StateTable;

/** The requests a table answers, one per call (the SDK's own retries of a 5xx are not counted again): each a billed storage transaction. */
export type TableOperation = 'get' | 'create' | 'replace' | 'put' | 'delete' | 'transact' | 'query';
/**
 * How a request ended. `conflict` is a condition another writer won (409, 412, or 404 on a
 * conditional write): the compare-and-swaps instances lose to each other; `not_found` a read of
 * a key that is not there, which is a normal answer.
 */
export type TableRequestOutcome = 'ok' | 'not_found' | 'conflict' | 'error';
export type TableRequestObserver = (table: StateTableKind, operation: TableOperation, outcome: TableRequestOutcome) => void;

export function createStateTables(settings: TableStateSettings, credential?: TokenCredential, observe?: TableRequestObserver): StateTables {
  if (!/^[A-Za-z][A-Za-z0-9]{0,40}$/.test(settings.tablePrefix)) {
    throw new CodedError('config_invalid', 'The table prefix must be a letter and then up to 40 letters or digits', { setting: 'STATE_TABLE_PREFIX' });
  }
  const open = (name: string): TableClient => {
    if (settings.connectionString) {
      try {
        // Azurite speaks plain HTTP on loopback; Azure's endpoints are HTTPS whatever this says.
        return TableClient.fromConnectionString(settings.connectionString, name, { allowInsecureConnection: /TableEndpoint=http:/i.test(settings.connectionString) });
      } catch (error) {
        // e.g. an Azurite string with only a BlobEndpoint: say which setting, at start-up.
        throw new CodedError('config_invalid', 'STATE_BLOB_CONNECTION_STRING names no table endpoint: add TableEndpoint=... (Azurite) or use the account\'s full connection string', { setting: 'STATE_BLOB_CONNECTION_STRING' }, { cause: error });
      }
    }
    if (!settings.accountUrl) {
      throw new CodedError('config_invalid', 'STATE_STORE=blob needs STATE_TABLE_ACCOUNT_URL (or a STATE_BLOB_ACCOUNT_URL on *.blob.*) or a connection string with a TableEndpoint', { setting: 'STATE_TABLE_ACCOUNT_URL' });
    }
    const identity = credential ?? createAzureCredential(settings.managedIdentityClientId ? { managedIdentityClientId: settings.managedIdentityClientId } : {});
    return new TableClient(settings.accountUrl, name, identity);
  };
  const tables = new Map<StateTableKind, StateTable>();
  return (kind) => {
    let table = tables.get(kind);
    if (!table) {
      table = new StateTable(open(`${settings.tablePrefix}${kind}`), observe && ((operation, outcome) => observe(kind, operation, outcome)));
      tables.set(kind, table);
    }
    return table;
  };
}

/**
 * PartitionKey and RowKey may not hold / \ # ? or control characters and are at most 1 KiB:
 * a key is 'b' + base64url of the value, or 'h' + its SHA-256 when that would be long.
 * The prefixes keep the two forms apart; the original value is stored in the entity.
 */
export function tableKey(value: string): string {
  const encoded = Buffer.from(value, 'utf8').toString('base64url');
  return encoded.length <= 512 ? `b${encoded}` : `h${sha256(value)}`;
}

export function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/**
 * A property naming the one logical write that produced the entity. The SDK retries a write whose
 * answer was lost; when the first try had landed, the retry is refused by its own condition (409
 * for a create, 412 for If-Match), and the write id tells that apart from another writer's entity.
 */
interface WriteStamp {
  readonly writeId?: string;
}

function withWriteId<T extends object>(entity: TableEntity<T>): TableEntity<T & WriteStamp> {
  return { ...entity, writeId: randomUUID() };
}

function withTransactionWriteId(action: TransactionAction, writeId: string): TransactionAction {
  switch (action[0]) {
    case 'delete':
      return action;
    case 'create':
      return ['create', { ...action[1], writeId }];
    default: {
      const [kind, entity, mode, options] = action;
      // Merge is the SDK's own default for an update or upsert that names no mode.
      return [kind, { ...entity, writeId }, mode ?? 'Merge', options];
    }
  }
}

/** An entity as read, with the ETag a conditional write must match. */
export type Stored<T extends object> = TableEntityResult<T> & { readonly etag: string };

/** A write lost to another writer: 409 (create of an existing key) or 412 (the ETag moved on); 404 too (deleted meanwhile). */
function conflictOf(error: unknown): TableRequestOutcome | undefined {
  const status = storageStatus(error);
  return status === 409 || status === 412 || status === 404 ? 'conflict' : undefined;
}

/** How many times a read-modify-write is tried before it gives up (only under heavy contention). */
const MAX_ATTEMPTS = 20;

/**
 * One table with the primitives every deciding write needs: create-only, replace-if-unchanged
 * (If-Match), and a transaction within one partition. A lost condition is a normal outcome
 * (undefined / false), not an exception; anything else is thrown.
 */
export class StateTable {
  private created: Promise<unknown> | undefined;

  constructor(
    readonly client: TableClient,
    private readonly observe: (operation: TableOperation, outcome: TableRequestOutcome) => void = () => undefined,
  ) {}

  /** Runs one request and reports how it ended; a lost condition is `lost` (undefined / false), anything else unexpected is thrown. */
  private async request<R>(operation: TableOperation, send: () => Promise<R>, lost: (error: unknown) => TableRequestOutcome | undefined, lostValue: R): Promise<R> {
    await this.ready();
    try {
      const result = await send();
      this.observe(operation, 'ok');
      return result;
    } catch (error) {
      const outcome = lost(error);
      this.observe(operation, outcome ?? 'error');
      if (outcome === undefined) throw error;
      return lostValue;
    }
  }

  /** Creates the table on first use (createTable ignores "already exists"). */
  ready(): Promise<void> {
    this.created ??= this.client.createTable().catch((error: unknown) => {
      this.created = undefined;
      throw error;
    });
    return this.created.then(() => undefined);
  }

  async get<T extends object>(partitionKey: string, rowKey: string): Promise<Stored<T> | undefined> {
    const entity = await this.request('get', () => this.client.getEntity<T>(partitionKey, rowKey), (error) => (storageStatus(error) === 404 ? 'not_found' : undefined), undefined);
    if (entity && !entity.etag) throw new Error(`entity ${partitionKey}/${rowKey} came back without an ETag`);
    return entity as Stored<T> | undefined;
  }

  /** Create-only; the new ETag, or undefined when the key exists. */
  async create<T extends object>(entity: TableEntity<T>): Promise<string | undefined> {
    const written = withWriteId(entity);
    const etag = await this.request('create', async () => (await this.client.createEntity(written)).etag ?? '', conflictOf, undefined);
    return etag ?? this.etagIfWrittenBy(written);
  }

  /** Replaces the entity if it still has `etag`; the new ETag, or undefined when it changed or vanished. */
  async replace<T extends object>(entity: TableEntity<T>, etag: string): Promise<string | undefined> {
    const written = withWriteId(entity);
    const next = await this.request('replace', async () => (await this.client.updateEntity(written, 'Replace', { etag })).etag ?? '', conflictOf, undefined);
    return next ?? this.etagIfWrittenBy(written);
  }

  /**
   * After a refused conditional write: the entity's ETag if it holds this very write (an earlier
   * try landed and its answer was lost; the SDK's retry was refused by its own condition).
   */
  private async etagIfWrittenBy(written: TableEntity<WriteStamp>): Promise<string | undefined> {
    const stored = await this.get<WriteStamp>(written.partitionKey, written.rowKey);
    return stored !== undefined && stored.writeId === written.writeId ? stored.etag : undefined;
  }

  /** Writes regardless of what is there (records no decision rests on, e.g. an id index). */
  async put<T extends object>(entity: TableEntity<T>): Promise<void> {
    await this.request('put', () => this.client.upsertEntity(entity, 'Replace'), () => undefined, undefined);
  }

  /** Deletes if still at `etag` (any version without one); false when it changed or was gone. */
  async delete(partitionKey: string, rowKey: string, etag?: string): Promise<boolean> {
    return this.request('delete', async () => (await this.client.deleteEntity(partitionKey, rowKey, etag ? { etag } : {}), true), conflictOf, false);
  }

  /** All of one partition's actions or none; false when a condition failed (409/412). */
  async transact(actions: TransactionAction[]): Promise<boolean> {
    const writeId = randomUUID();
    const stamped = actions.map((action) => withTransactionWriteId(action, writeId));
    if (await this.request('transact', async () => (await this.client.submitTransaction(stamped), true), conflictOf, false)) return true;
    // All or nothing: the first entity it writes tells whether this very transaction landed.
    const first = stamped.find((action) => action[0] !== 'delete');
    return first !== undefined && (await this.etagIfWrittenBy(first[1] as TableEntity<WriteStamp>)) !== undefined;
  }

  /** The matching entities, page by page (each page one request). */
  async *query<T extends object>(filter: string, select?: readonly string[]): AsyncIterableIterator<Stored<T>> {
    await this.ready();
    const pages = this.client.listEntities<T>({ queryOptions: { filter, ...(select ? { select: [...select] } : {}) } }).byPage();
    for (;;) {
      let page: IteratorResult<TableEntityResult<T>[]>;
      try {
        page = await pages.next();
      } catch (error) {
        this.observe('query', 'error');
        throw error;
      }
      if (page.done) return;
      this.observe('query', 'ok');
      yield* page.value as Stored<T>[];
    }
  }

  async all<T extends object>(filter: string, select?: readonly string[]): Promise<Stored<T>[]> {
    const out: Stored<T>[] = [];
    for await (const e of this.query<T>(filter, select)) out.push(e);
    return out;
  }

  /**
   * Read-modify-write of one entity as a compare-and-swap. `change` sees the entity (undefined:
   * none) and returns the next one, or undefined to leave it; it runs again whenever another
   * writer got in between. Returns what `change` last decided (and whether it was written).
   */
  async modify<T extends object, R>(
    partitionKey: string,
    rowKey: string,
    change: (current: Stored<T> | undefined) => { readonly write?: TableEntity<T>; readonly result: R },
  ): Promise<R> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.get<T>(partitionKey, rowKey);
      const decided = change(current);
      if (!decided.write) return decided.result;
      const written = current ? await this.replace(decided.write, current.etag) : await this.create(decided.write);
      if (written !== undefined) return decided.result;
    }
    throw new CodedError('store_conflict', `${this.client.tableName} ${partitionKey}/${rowKey} kept changing; giving up after ${MAX_ATTEMPTS} attempts`, { table: this.client.tableName });
  }
}
