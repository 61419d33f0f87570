import type { AcceptInput, AcceptOutcome, AlertLedger } from './accept-alert';
import type { BackupAlert } from './backup-alert';
import type { OpenIncidentsPlan } from './open-incidents';
import type { InboxEntry } from './ports';
import type { Subscription } from './subscription';

/**
 * What the alert path asks of whichever ledger holds its state: accept alerts, group one that
 * waited for its job, add a subscription with the cards of the incidents already open. SQLite
 * answers in one transaction per batch (`transactionalAcceptor`); Azure Storage with
 * compare-and-swaps that several instances can run at once (`SharedAlertLedger`).
 */
export interface AlertAcceptor {
  /** Resolves once every alert of the batch is stored: what a 202 promises. */
  acceptMany(inputs: readonly AcceptInput[]): Promise<AcceptOutcome[]>;
  groupPending(entry: InboxEntry, alert: BackupAlert, code: string | null, now: Date): Promise<AcceptOutcome>;
  subscribe(subscription: Subscription, now: Date): Promise<OpenIncidentsPlan>;
}

/**
 * The one-transaction ledger behind the acceptor port. `durably` runs each batch's transaction and
 * resolves once it is on disk (SQLite: the WAL flushed), so a storm's batch costs one fsync, not one per alert.
 */
export function transactionalAcceptor(ledger: AlertLedger, durably: <T>(write: () => T) => T | Promise<T> = (write) => write()): AlertAcceptor {
  return {
    acceptMany: async (inputs) => durably(() => ledger.acceptMany(inputs)),
    groupPending: async (entry, alert, code, now) => ledger.groupPending(entry, alert, code, now),
    subscribe: async (subscription, now) => ledger.subscribe(subscription, now),
  };
}
