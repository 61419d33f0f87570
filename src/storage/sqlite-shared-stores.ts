import { type TransactionalSharedStores, transactionalSharedStores } from '../core/incidents/transactional-shared-stores';
import type { UnitOfWork } from '../core/incidents/ports';
import type { Clock } from '../core/ports';
import { SqliteAlertInbox } from './sqlite-alert-inbox';
import type { SqliteDatabase } from './sqlite-database';
import { SqliteIncidentStore } from './sqlite-incident-store';
import { SqliteOutbox } from './sqlite-outbox';
import { SqlitePollerWatermark } from './sqlite-poller-watermark';
import { SqliteSubscriptionStore } from './sqlite-subscription-store';

/**
 * BEGIN IMMEDIATE: a compare-and-swap reads and then writes, and a deferred transaction that
 * read before another connection wrote would fail its write with SQLITE_BUSY instead of waiting.
 */
export function sqliteImmediateUnitOfWork(db: SqliteDatabase): UnitOfWork {
  return { run: <T>(work: () => T): T => db.transaction(work).immediate() };
}

/**
 * The shared-state ports over the SQLite file (the default, one instance), on the same tables
 * as the alert path's synchronous stores. Slack's seen events keep their own store
 * (SqliteSeenEvents in the Slack channel).
 */
export function sqliteSharedStores(db: SqliteDatabase, clock: Clock): TransactionalSharedStores {
  return transactionalSharedStores({
    unitOfWork: sqliteImmediateUnitOfWork(db),
    incidents: new SqliteIncidentStore(db),
    inbox: new SqliteAlertInbox(db),
    outbox: new SqliteOutbox(db, clock),
    subscriptions: new SqliteSubscriptionStore(db),
    watermarks: new SqlitePollerWatermark(db),
  });
}
