import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteSeenEvents } from '../../../src/channels/slack/sqlite-seen-events';
import type { SharedStateStores } from '../../../src/core/incidents/ports';
import type { Clock } from '../../../src/core/ports';
import { memorySharedStores } from '../../../src/core/incidents/transactional-shared-stores';
import { createAzureStateStores } from '../../../src/storage/azure-state-stores';
import { openSqliteDatabase, type SqliteDatabase } from '../../../src/storage/sqlite-database';
import { sqliteSharedStores } from '../../../src/storage/sqlite-shared-stores';
import { type RunningAzurite, uniqueTablePrefix } from './azurite';
import type { Backend } from './store-contracts';

export type SharedStateBackend = () => Promise<Backend<SharedStateStores>>;

/**
 * The three shared-state backends, each a fresh state per call. `open()` is another bot
 * instance: memory hands out the same stores (they cannot be shared), SQLite another
 * connection to one file, Azure another set of clients on the same tables (Azurite's).
 */
export function sharedStateBackends(azurite: () => RunningAzurite | undefined, clock: Clock): [string, SharedStateBackend][] {
  return [
    [
      'memory',
      async () => {
        const stores = memorySharedStores();
        return { open: () => stores, close: () => undefined };
      },
    ],
    [
      'SQLite',
      async () => {
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
      },
    ],
    [
      'Azure Table',
      async () => {
        const running = azurite();
        if (!running) throw new Error('Azurite is not running');
        const settings = { connectionString: running.connectionString, tablePrefix: uniqueTablePrefix() };
        return { open: () => createAzureStateStores(settings, { clock }), close: () => undefined };
      },
    ],
  ];
}
