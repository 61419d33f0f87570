import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import type { AuditEvent } from '../../../src/core/remediation/audit';
import { InMemoryAuditLog, InMemoryFixRequestStore } from '../../../src/core/remediation/in-memory-stores';
import type { AuditLog } from '../../../src/core/remediation/ports';
import { BlobAuditLog } from '../../../src/storage/blob-audit-log';
import { StateContainer } from '../../../src/storage/blob-container';
import { BlobFixRequestStore } from '../../../src/storage/blob-fix-request-store';
import { BlobSessionStore } from '../../../src/storage/blob-session-store';
import { MemorySessionStore } from '../../../src/storage/memory-session-store';
import { SqliteAuditLog } from '../../../src/storage/sqlite-audit-log';
import { openSqliteDatabase, type SqliteDatabase } from '../../../src/storage/sqlite-database';
import { SqliteFixRequestStore } from '../../../src/storage/sqlite-fix-request-store';
import { SqliteSessionStore } from '../../../src/storage/sqlite-session-store';
import { type RunningAzurite, startAzurite, uniqueContainerName } from './azurite';
import { type Backend, describeAuditLogContract, describeFixRequestStoreContract, describeSessionStoreContract } from './store-contracts';

/** The same behaviour, whichever store the bot is configured with. */

let azurite: RunningAzurite | undefined;

beforeAll(async () => {
  azurite = await startAzurite();
}, 60_000);

afterAll(async () => {
  await azurite?.stop();
});

/** Every open() is a separate client with its own ETag memory: another bot instance on the same container. */
function blobBackend<S>(make: (container: StateContainer) => S): () => Promise<Backend<S> & { openContainer(): StateContainer }> {
  return async () => {
    if (!azurite) throw new Error('Azurite is not running');
    const connectionString = azurite.connectionString;
    const name = uniqueContainerName('contract');
    const openContainer = () => new StateContainer(BlobServiceClient.fromConnectionString(connectionString).getContainerClient(name));
    return { open: () => make(openContainer()), openContainer, close: () => undefined };
  };
}

/** Every open() is another connection to one file, as two processes on one machine would have. */
function sqliteBackend<S>(make: (db: SqliteDatabase) => S): () => Promise<Backend<S> & { openDb(): SqliteDatabase }> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'contract-sqlite-'));
    const connections: SqliteDatabase[] = [];
    const openDb = () => {
      const db = openSqliteDatabase(join(dir, 'state.sqlite'));
      connections.push(db);
      return db;
    };
    return {
      open: () => make(openDb()),
      openDb,
      close: () => {
        for (const db of connections.splice(0)) db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  };
}

function shared<S>(store: S): Backend<S> {
  return { open: () => store, close: () => undefined };
}

describeSessionStoreContract('memory', async () => shared(new MemorySessionStore()));
describeSessionStoreContract('SQLite', sqliteBackend((db) => new SqliteSessionStore(db)));
describeSessionStoreContract('Azure Blob', blobBackend((c) => new BlobSessionStore(c)));

describeFixRequestStoreContract('memory', async () => {
  const audit = new InMemoryAuditLog();
  return { ...shared(new InMemoryFixRequestStore()), openAudit: () => audit };
});
describeFixRequestStoreContract('SQLite', async () => {
  const backend = await sqliteBackend((db) => new SqliteFixRequestStore(db))();
  return { ...backend, openAudit: () => new SqliteAuditLog(backend.openDb()) };
});
describeFixRequestStoreContract('Azure Blob', async () => {
  const backend = await blobBackend((c) => new BlobFixRequestStore(c))();
  return { ...backend, openAudit: () => new BlobAuditLog(backend.openContainer()) };
});

const collect = async (entries: Iterable<AuditEvent> | AsyncIterable<AuditEvent>): Promise<AuditEvent[]> => {
  const out: AuditEvent[] = [];
  for await (const e of entries) out.push(e);
  return out;
};
const exportOf = <L extends AuditLog>(kind: new (...args: never[]) => L, run: (log: L, since?: Date) => Iterable<AuditEvent> | AsyncIterable<AuditEvent>) => async (log: AuditLog, since?: Date) => {
  if (!(log instanceof kind)) throw new Error(`expected a ${kind.name}`);
  return collect(run(log, since));
};

describeAuditLogContract('memory', async () => shared(new InMemoryAuditLog()));
describeAuditLogContract('SQLite', sqliteBackend((db) => new SqliteAuditLog(db)), exportOf(SqliteAuditLog, (log, since) => log.iterate(since)));
describeAuditLogContract('Azure Blob', blobBackend((c) => new BlobAuditLog(c)), exportOf(BlobAuditLog, (log, since) => log.entries(since)));
