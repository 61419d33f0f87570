import { type SqliteDatabase, purgeBatchRows } from './sqlite-database';

/**
 * Retention of the alert path's rows in the SQLite file: alerts received, incidents with their
 * VMs, and outbox entries. Without it the file grows with every alert ever sent.
 *
 * Only history goes: an incident whose last alert is older than the cutoff and none of whose
 * messages is still waiting to be delivered, with its VMs and its delivered or failed outbox
 * entries; and received alerts older than the cutoff that are not waiting for their job and whose
 * incident went too. An undelivered message, and so its incident and its alerts, is never removed.
 */
export class SqliteAlertHistory {
  private readonly staleIncidents;
  private readonly removeIncidents;
  private readonly firstReceivedFrom;
  private readonly inboxBounds;
  private readonly removeAlerts;

  constructor(private readonly db: SqliteDatabase) {
    this.staleIncidents = db.prepare<{ cutoff: number; limit: number }, { id: string }>(
      `SELECT i.id FROM incidents_incident i WHERE i.last_alert_at < @cutoff
         AND NOT EXISTS (SELECT 1 FROM outbox_entry o WHERE o.incident_id = i.id AND o.status = 'pending') LIMIT @limit`,
    );
    const ids = `(SELECT value FROM json_each(@ids))`;
    const outbox = db.prepare(`DELETE FROM outbox_entry WHERE status <> 'pending' AND incident_id IN ${ids}`);
    const vms = db.prepare(`DELETE FROM incidents_vm WHERE incident_id IN ${ids}`);
    const incidents = db.prepare(`DELETE FROM incidents_incident WHERE id IN ${ids}`);
    this.removeIncidents = db.transaction((list: readonly string[]): number => {
      const json = JSON.stringify(list);
      // Checked again inside the write: a message planned since the batch was picked keeps its incident.
      const kept = new Set(db.prepare<[string], { incident_id: string }>(`SELECT DISTINCT incident_id FROM outbox_entry WHERE status = 'pending' AND incident_id IN (SELECT value FROM json_each(?))`).all(json).map((r) => r.incident_id));
      const gone = JSON.stringify(list.filter((id) => !kept.has(id)));
      return outbox.run({ ids: gone }).changes + vms.run({ ids: gone }).changes + incidents.run({ ids: gone }).changes;
    });
    // Alerts are stored in the order they arrive, so their rowids run with received_at: the purge walks
    // them in rowid ranges from the oldest and stops at the first range that starts inside the retention.
    this.firstReceivedFrom = db.prepare<[number], { received_at: number }>('SELECT received_at FROM incidents_inbox WHERE rowid >= ? ORDER BY rowid LIMIT 1');
    this.inboxBounds = db.prepare<[], { first: number | null; last: number | null }>('SELECT MIN(rowid) AS first, MAX(rowid) AS last FROM incidents_inbox');
    // Run after the incidents: an alert stays while its incident does (its record, and the job id that keeps a re-sent alert a duplicate).
    this.removeAlerts = db.prepare<{ from: number; to: number; cutoff: number }>(
      `DELETE FROM incidents_inbox WHERE rowid >= @from AND rowid < @to AND received_at < @cutoff AND status <> 'needs-job'
         AND (incident_id IS NULL OR NOT EXISTS (SELECT 1 FROM incidents_incident i WHERE i.id = incidents_inbox.incident_id))`,
    );
  }

  /**
   * Removes history older than `cutoff`; returns how many rows went. Same shape as the sessions'
   * purge, and like it a batch at a time with the event loop's turns between.
   */
  async purgeExpiredBefore(cutoff: Date): Promise<number> {
    const at = cutoff.getTime();
    let removed = 0;
    for (;;) {
      const stale = this.staleIncidents.all({ cutoff: at, limit: purgeBatchRows }).map((r) => r.id);
      if (stale.length > 0) removed += this.removeIncidents.immediate(stale);
      if (stale.length < purgeBatchRows) break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const { first, last } = this.inboxBounds.get() ?? { first: null, last: null };
    if (first === null || last === null) return removed;
    for (let from = first; from <= last; from += alertRowsPerBatch) {
      const head = this.firstReceivedFrom.get(from);
      if (head === undefined || head.received_at >= at) break;
      removed += this.removeAlerts.run({ from, to: from + alertRowsPerBatch, cutoff: at }).changes;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return removed;
  }
}

/** Alert rows looked at per batch (a rowid range: the kept ones cost a look, not a delete). */
const alertRowsPerBatch = 2_000;
