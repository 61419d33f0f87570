import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteSeenEvents } from '../../../src/channels/slack/sqlite-seen-events';
import type { SharedStateStores } from '../../../src/core/incidents/ports';
import { memorySharedStores } from '../../../src/core/incidents/transactional-shared-stores';
import { createAzureStateStores } from '../../../src/storage/azure-state-stores';
import { openSqliteDatabase, type SqliteDatabase } from '../../../src/storage/sqlite-database';
import { sqliteSharedStores } from '../../../src/storage/sqlite-shared-stores';
import { type RunningAzurite, startAzurite, uniqueTablePrefix } from './azurite';
import type { Backend } from './store-contracts';
import { describeSharedStateContract } from './shared-state-contracts';

/** The alert path's records behave the same on memory, SQLite and Azure Table Storage. */

const clock = { now: () => new Date('2026-03-01T10:00:00Z') };
let azurite: RunningAzurite | undefined;

beforeAll(async () => {
  azurite = await startAzurite(30_000, 'table');
}, 60_000);

afterAll(async () => {
  await azurite?.stop();
});

describeSharedStateContract('memory', async () => {
  const stores = memorySharedStores();
  return { open: () => stores, close: () => undefined };
});

/** Every open() is another connection to one file, as a second process on the machine would have. */
describeSharedStateContract('SQLite', async (): Promise<Backend<SharedStateStores>> => {
  const dir = mkdtempSync(join(tmpdir(), 'shared-sqlite-'));
  const connections: SqliteDatabase[] = [];
  return {
    open: () => {
      const db = openSqliteDatabase(join(dir, 'state.sqlite'));
      connections.push(db);
      const seen = new SqliteSeenEvents(db, clock);
      return { ...sqliteSharedStores(db, clock), seenEvents: { firstDelivery: async (id: string) => seen.firstDelivery(id) } };
    },
    close: () => {
      for (const db of connections.splice(0)) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

/** Every open() is a separate set of clients on the same tables: another bot instance. */
describeSharedStateContract('Azure Table', async () => {
  if (!azurite) throw new Error('Azurite is not running');
  const settings = { connectionString: azurite.connectionString, tablePrefix: uniqueTablePrefix() };
  return { open: () => createAzureStateStores(settings, { clock }), close: () => undefined };
});
